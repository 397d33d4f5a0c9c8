package io.github.redlock.benchmarks;

import java.util.concurrent.TimeUnit;
import org.redisson.Redisson;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/** Redisson clients configured as the other clients: same per-node timeouts, otherwise defaults. */
final class RedissonSupport {

    private RedissonSupport() {
    }

    static RedissonClient client(String uri) {
        Config config = new Config();
        config.useSingleServer()
                .setAddress(uri)
                .setTimeout((int) Settings.NODE_TIMEOUT.toMillis())
                .setConnectTimeout((int) Settings.CONNECT_TIMEOUT.toMillis());
        return Redisson.create(config);
    }

    /** One cycle on a Redisson lock: {@code tryLock(0, ttl, ms)}, the section, {@code unlock()}. */
    static boolean cycle(RLock lock, Runnable section) {
        boolean locked;
        try {
            locked = lock.tryLock(0, Settings.TTL.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (!locked) {
            return false;
        }
        try {
            section.run();
        } finally {
            lock.unlock();
        }
        return true;
    }

    /** Shuts down without Redisson's default 2-second quiet period (it would only slow the suite). */
    static void shutdown(RedissonClient client) {
        client.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
