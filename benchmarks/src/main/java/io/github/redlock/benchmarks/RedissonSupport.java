package io.github.redlock.benchmarks;

import org.redisson.Redisson;
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
}
