package io.github.redlock.benchmarks;

import java.util.ArrayList;
import java.util.List;
import org.redisson.RedissonRedLock;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;

/**
 * Redisson's {@code RedissonRedLock} over one {@code RedissonClient} per node:
 * {@code tryLock(0, ttl, ms)} then {@code unlock()}. Redisson deprecates this class (it points
 * users to a single-cluster RLock), but it is what Redisson users pick for Redlock.
 */
final class RedissonRedLockTarget implements LockTarget {

    private final List<RedissonClient> clients = new ArrayList<>();

    RedissonRedLockTarget(List<String> uris) {
        for (String uri : uris) {
            clients.add(RedissonSupport.client(uri));
        }
    }

    @Override
    @SuppressWarnings("deprecation") // RedissonRedLock is deprecated by Redisson; it is the peer measured here
    public boolean cycle(String resource, Runnable section) {
        RLock[] locks = new RLock[clients.size()];
        for (int i = 0; i < locks.length; i++) {
            locks[i] = clients.get(i).getLock(resource);
        }
        return RedissonSupport.cycle(new RedissonRedLock(locks), section);
    }

    @Override
    public void close() {
        clients.parallelStream().forEach(RedissonSupport::shutdown);
    }
}
