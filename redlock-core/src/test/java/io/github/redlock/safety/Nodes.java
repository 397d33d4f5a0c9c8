package io.github.redlock.safety;

import io.github.redlock.test.RedisNode;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Looks at the nodes directly (not through the engine). */
final class Nodes {

    private Nodes() {
    }

    /** Keys starting with {@code prefix} on one running node. */
    static List<String> keys(RedisNode node, String prefix) {
        Object reply = node.command("KEYS", prefix + "*");
        List<String> keys = new ArrayList<>();
        if (reply instanceof List<?> list) {
            list.forEach(key -> keys.add(String.valueOf(key)));
        }
        return keys;
    }

    /** Keys starting with {@code prefix} on every running node, as {@code "node i: key"}. */
    static List<String> keys(RedisNodesExtension redis, int count, String prefix) {
        List<String> found = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            RedisNode node = redis.node(i);
            if (node.isRunning() && !node.isPaused()) {
                for (String key : keys(node, prefix)) {
                    found.add("node " + i + ": " + key);
                }
            }
        }
        return found;
    }

    /** Waits until no node holds a key starting with {@code prefix}; returns what was left at the end. */
    static List<String> awaitNoKeys(RedisNodesExtension redis, int count, String prefix, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        List<String> left = keys(redis, count, prefix);
        while (!left.isEmpty() && System.nanoTime() - deadline < 0) {
            sleep(Duration.ofMillis(50));
            left = keys(redis, count, prefix);
        }
        return left;
    }

    /**
     * The value of {@code key} on {@code node} once it equals {@code expected}, or whatever it is after
     * 2 s. A lock is granted on the first quorum of answers, so the SET to a slower node may still be
     * on its way when the lock call returns.
     */
    static @org.jspecify.annotations.Nullable Object awaitValue(RedisNode node, String key, Object expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        Object value = node.command("GET", key);
        while (!expected.equals(value) && System.nanoTime() - deadline < 0) {
            sleep(Duration.ofMillis(10));
            value = node.command("GET", key);
        }
        return value;
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
