package io.github.redlock.safety;

import io.github.redlock.RedlockOptions;
import io.github.redlock.test.RedisNode;
import java.util.List;

/** The fencing counter on the lock nodes, looked at and set directly (fencing.md §5.4). */
final class FencingNodes {

    private FencingNodes() {
    }

    /** The node's clock in microseconds ({@code TIME}). */
    static long timeMicros(RedisNode node) {
        List<?> time = (List<?>) node.command("TIME");
        if (time == null) {
            throw new IllegalStateException("no TIME from " + node);
        }
        return Long.parseLong(String.valueOf(time.get(0))) * 1_000_000 + Long.parseLong(String.valueOf(time.get(1)));
    }

    /**
     * Seeds the counter (the hash at the prefix's counter key, field {@code counter}) with the node's clock, as
     * an operator does for a new deployment, so the first fenced lock is not held up by the quarantine.
     */
    static void seed(RedisNode node, String prefix) {
        seed(node, prefix, timeMicros(node));
    }

    static void seed(RedisNode node, String prefix, long counter) {
        node.command("HSET", prefix + RedlockOptions.FENCING_COUNTER_SUFFIX, "counter", Long.toString(counter));
    }

    /** The counter, or -1 when the node has none. */
    static long counter(RedisNode node, String prefix) {
        Object value = node.command("HGET", prefix + RedlockOptions.FENCING_COUNTER_SUFFIX, "counter");
        return value == null ? -1 : Long.parseLong(String.valueOf(value));
    }
}
