package io.github.redlock.spring.boot.it;

import io.github.redlock.test.RedisNodesExtension;

/** Reads lock keys straight from the nodes, bypassing the engine. */
final class RedisKeys {

    private RedisKeys() {
    }

    /** On how many running nodes {@code key} exists. */
    static int holders(RedisNodesExtension redis, String key) {
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
