package io.github.redlock.benchmarks;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import java.util.concurrent.locks.Lock;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.integration.redis.util.RedisLockRegistry;

/**
 * Spring Integration's {@code RedisLockRegistry} on one node, over a Spring Data Redis Lettuce
 * connection factory (one shared native connection, its default): {@code obtain(key).tryLock()}
 * then {@code unlock()}.
 */
final class SpringIntegrationTarget implements LockTarget {

    private final LettuceConnectionFactory connectionFactory;
    private final RedisLockRegistry registry;

    SpringIntegrationTarget(String uri) {
        RedisURI parsed = RedisURI.create(uri);
        LettuceClientConfiguration client = LettuceClientConfiguration.builder()
                .commandTimeout(Settings.NODE_TIMEOUT)
                .clientOptions(ClientOptions.builder()
                        .socketOptions(SocketOptions.builder().connectTimeout(Settings.CONNECT_TIMEOUT).build())
                        .build())
                .build();
        this.connectionFactory = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration(parsed.getHost(), parsed.getPort()), client);
        connectionFactory.afterPropertiesSet();
        connectionFactory.start();
        connect();
        this.registry = new RedisLockRegistry(connectionFactory, "bench", Settings.TTL.toMillis());
    }

    /**
     * Connects now, as an application's start-up would, not inside the first measured tryLock.
     * Spring Data Redis gives the connection handshake the command timeout (100 ms), which a cold
     * JVM on a busy 2-core machine can miss; so try a few times.
     */
    private void connect() {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            try (var connection = connectionFactory.getConnection()) {
                connection.ping();
                return;
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw last;
    }

    @Override
    public boolean cycle(String resource, Runnable section) {
        Lock lock = registry.obtain(resource);
        if (!lock.tryLock()) {
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
        registry.destroy();
        connectionFactory.destroy();
    }
}
