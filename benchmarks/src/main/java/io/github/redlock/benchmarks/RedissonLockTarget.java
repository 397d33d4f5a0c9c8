package io.github.redlock.benchmarks;

import java.util.concurrent.TimeUnit;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;

/** Redisson's single-node {@code RLock}: {@code tryLock(0, ttl, ms)} then {@code unlock()}. */
final class RedissonLockTarget implements LockTarget {

    private final RedissonClient client;

    RedissonLockTarget(String uri) {
        this.client = RedissonSupport.client(uri);
    }

    @Override
    public boolean cycle(String resource, Runnable section) {
        RLock lock = client.getLock(resource);
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

    @Override
    public void close() {
        RedissonSupport.shutdown(client);
    }
}
