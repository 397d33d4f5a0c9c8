package io.github.redlock.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

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

    /** The waiter queue of {@code key}: the key and {@code :redlock-waiters}. */
    public static String queueKey(String key) {
        return key + QUEUE_SUFFIX;
    }
}
