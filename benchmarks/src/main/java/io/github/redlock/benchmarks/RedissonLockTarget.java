package io.github.redlock.benchmarks;

import org.redisson.api.RedissonClient;

/** Redisson's single-node {@code RLock}: {@code tryLock(0, ttl, ms)} then {@code unlock()}. */
final class RedissonLockTarget implements LockTarget {

    private final RedissonClient client;

    RedissonLockTarget(String uri) {
        this.client = RedissonSupport.client(uri);
    }

    @Override
    public boolean cycle(String resource, Runnable section) {
        return RedissonSupport.cycle(client.getLock(resource), section);
    }

    @Override
    public void close() {
        RedissonSupport.shutdown(client);
    }
}
