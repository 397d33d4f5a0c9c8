package io.github.redlock.internal;

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

    /** The waiter queue of {@code key}: the key and {@code :redlock-waiters}. */
    public static String queueKey(String key) {
        return key + QUEUE_SUFFIX;
    }
}
