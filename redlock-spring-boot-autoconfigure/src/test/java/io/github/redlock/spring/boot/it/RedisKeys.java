package io.github.redlock.spring.boot.it;

import io.github.redlock.test.RedisNodesExtension;

/** Reads lock keys straight from the nodes, bypassing the engine. */
final class RedisKeys {

    private RedisKeys() {
    }

    /**
     * On how many running nodes {@code key} exists. A lock is granted once a quorum has it, while
     * the SETs to the other nodes may still be in flight: a count between none and all is given
     * up to a second to settle before it is returned.
     */
    static int holders(RedisNodesExtension redis, String key) {
        long deadline = System.nanoTime() + 1_000_000_000L;
        int holders = count(redis, key);
        while (holders > 0 && holders < running(redis) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            holders = count(redis, key);
        }
        return holders;
    }

    private static int running(RedisNodesExtension redis) {
        int running = 0;
        for (int i = 0; i < redis.nodes().size(); i++) {
            running += redis.node(i).isRunning() ? 1 : 0;
        }
        return running;
    }

    private static int count(RedisNodesExtension redis, String key) {
        int holders = 0;
        for (int i = 0; i < redis.nodes().size(); i++) {
            if (redis.node(i).isRunning() && Long.valueOf(1).equals(redis.node(i).command("EXISTS", key))) {
                holders++;
            }
        }
        return holders;
    }

    /** The key's remaining time to live on node 0, in ms (negative when absent or without expiry). */
    static long pttl(RedisNodesExtension redis, String key) {
        Object pttl = redis.node(0).command("PTTL", key);
        return pttl instanceof Long millis ? millis : -2;
    }
}
