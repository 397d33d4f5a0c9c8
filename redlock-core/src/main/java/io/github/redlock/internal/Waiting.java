package io.github.redlock.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * The names waiting uses on the nodes, beside each lock key: the channel a release publishes on,
 * and the sorted set that queues the waiters (see {@code docs/waiting.md}).
 */
public final class Waiting {

    /** What a release channel's name starts with; the key follows. Grant {@code &redlock:released:*} in an ACL. */
    public static final String CHANNEL_PREFIX = "redlock:released:";

    /** What a waiter queue's name adds to the lock key. */
    public static final String QUEUE_SUFFIX = ":redlock-waiters";

    private Waiting() {
    }

    /** The channel a release of {@code key} publishes on: {@code redlock:released:} and the key. */
    public static String channel(String key) {
        return CHANNEL_PREFIX + key;
    }

    /**
     * The message a release of {@code value} publishes on its key's channel: the SHA-1 of the value
     * in lower-case hex, as Redis's {@code redis.sha1hex} computes it, so that a waiter can tell
     * which release it hears of without the channel carrying the value itself.
     */
    public static String released(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by the Java platform", e);
        }
    }

    /**
     * A release notice's message: {@code released}, the SHA-1 of the released value
     * ({@link #released}); after a hand-over also {@code handedTo}, the SHA-1 of the waiter's value
     * the node now holds, and {@code attempt}, the number of that waiter's attempt that left the
     * entry the hand-over took (see {@code docs/waiting.md}).
     *
     * @param handedTo null when the release handed nothing over (then {@code attempt} is 0)
     */
    public record Notice(String released, @Nullable String handedTo, long attempt) {

        /** What a release publishes: {@code released}, or {@code released:handedTo:attempt}; null when malformed. */
        public static @Nullable Notice parse(String message) {
            if (message.length() == 40) {
                return isDigest(message) ? new Notice(message, null, 0) : null;
            }
            if (message.length() < 83 || message.charAt(40) != ':' || message.charAt(81) != ':') {
                return null;
            }
            String released = message.substring(0, 40);
            String handedTo = message.substring(41, 81);
            long attempt;
            try {
                attempt = Long.parseLong(message.substring(82));
            } catch (NumberFormatException e) {
                return null;
            }
            return isDigest(released) && isDigest(handedTo) && attempt > 0 ? new Notice(released, handedTo, attempt) : null;
        }

        private static boolean isDigest(String text) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The waiter queue of {@code key}: the key and {@code :redlock-waiters}. */
    public static String queueKey(String key) {
        return key + QUEUE_SUFFIX;
    }
}
