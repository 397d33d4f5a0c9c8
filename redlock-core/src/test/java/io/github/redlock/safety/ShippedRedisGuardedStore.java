package io.github.redlock.safety;

import io.github.redlock.fencing.FencingVerdict;
import io.github.redlock.fencing.RedisFencedWrites;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A {@link GuardedStore} behind the shipped Redis guard, {@link RedisFencedWrites} (module
 * redlock-fencing): claim and {@code SET data:<r>} checked against the mark {@code fencing:<r>}. That
 * guard accepts a token not older than the mark, whoever the owner (no owner tie-break), so the
 * owner is not sent. The store's order of accepted writes is an {@code INCR seq:<r>} after each
 * accepted write: exact when writes do not race, as in the paused-holder scenario.
 */
final class ShippedRedisGuardedStore implements GuardedStore {

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisFencedWrites guard;

    ShippedRedisGuardedStore(String uri) {
        this.client = RedisClient.create(uri);
        this.connection = client.connect();
        connection.setTimeout(Duration.ofSeconds(10));
        this.guard = new RedisFencedWrites(connection);
    }

    @Override
    public boolean claim(String resource, long token, String owner) {
        return guard.claim(resource, token).accepted();
    }

    @Override
    public long read(String resource) {
        String value = connection.sync().get("data:" + resource);
        return value == null ? 0 : Long.parseLong(value);
    }

    @Override
    public Decision write(String resource, long token, String owner, long value) {
        FencingVerdict verdict = guard.set("data:" + resource, Long.toString(value), resource, token);
        return verdict.accepted() ? new Decision(true, connection.sync().incr("seq:" + resource))
                : new Decision(false, 0);
    }

    @Override
    public @Nullable Long value(String resource) {
        String value = connection.sync().get("data:" + resource);
        return value == null ? null : Long.valueOf(value);
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
