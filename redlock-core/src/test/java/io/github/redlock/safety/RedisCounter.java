package io.github.redlock.safety;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;

/**
 * The damage gauge shared between processes: a plain string key per resource on a Redis node
 * that is not one of the lock nodes (the "protected resource"), incremented by GET, sleep, SET.
 */
final class RedisCounter implements SharedCounter, AutoCloseable {

    static final String KEY_PREFIX = "counter:";

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    RedisCounter(String uri) {
        this.client = RedisClient.create(uri);
        this.connection = client.connect();
        connection.setTimeout(Duration.ofSeconds(10));
    }

    @Override
    public long read(String resource) {
        String value = connection.sync().get(KEY_PREFIX + resource);
        return value == null ? 0 : Long.parseLong(value);
    }

    @Override
    public void write(String resource, long value) {
        connection.sync().set(KEY_PREFIX + resource, Long.toString(value));
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
