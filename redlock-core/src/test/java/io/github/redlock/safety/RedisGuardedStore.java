package io.github.redlock.safety;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A {@link GuardedStore} on a redis-server that is not a lock node, with a minimal guard script
 * written for this suite: the high-water mark of a resource is a hash {@code fence:<r>} with
 * fields {@code t} (the token, stored as the decimal string sent, never through Lua's
 * {@code tostring}) and {@code o} (its owner); the counter is {@code data:<r>} and the store's order
 * of accepted writes {@code seq:<r>}. The shipped Redis guard (module redlock-fencing) was not
 * there yet when this suite was written; it should replace this script once it lands.
 *
 * <p>With {@code enforce = false} the guard is disabled (the negative control): every write is
 * accepted, and the high-water mark still follows the largest token.
 */
final class RedisGuardedStore implements GuardedStore {

    /** KEYS: fence, data, seq. ARGV: token, owner, enforce (1/0), mode (claim/write), value. */
    private static final String SCRIPT = """
            local mark = redis.call('HMGET', KEYS[1], 't', 'o')
            local t = tonumber(ARGV[1])
            local high = tonumber(mark[1] or '0')
            local ok
            if t <= 0 or ARGV[2] == '' then ok = false
            elseif t > high then ok = true
            elseif t == high and ARGV[2] == mark[2] then ok = true
            else ok = false end
            if ARGV[3] == '0' then ok = true end
            if not ok then return {0, 0} end
            if t > high then redis.call('HSET', KEYS[1], 't', ARGV[1], 'o', ARGV[2]) end
            if ARGV[4] == 'claim' then return {1, 0} end
            redis.call('SET', KEYS[2], ARGV[5])
            return {1, redis.call('INCR', KEYS[3])}
            """;

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final boolean enforce;

    RedisGuardedStore(String uri, boolean enforce) {
        this.client = RedisClient.create(uri);
        this.connection = client.connect();
        this.enforce = enforce;
        connection.setTimeout(Duration.ofSeconds(10));
    }

    private List<Long> run(String resource, long token, String owner, String mode, long value) {
        List<Long> reply = connection.sync().eval(SCRIPT, ScriptOutputType.MULTI,
                new String[] {"fence:" + resource, "data:" + resource, "seq:" + resource},
                Long.toString(token), owner, enforce ? "1" : "0", mode, Long.toString(value));
        return reply;
    }

    @Override
    public boolean claim(String resource, long token, String owner) {
        return run(resource, token, owner, "claim", 0).get(0) == 1L;
    }

    @Override
    public long read(String resource) {
        String value = connection.sync().get("data:" + resource);
        return value == null ? 0 : Long.parseLong(value);
    }

    @Override
    public Decision write(String resource, long token, String owner, long value) {
        List<Long> reply = run(resource, token, owner, "write", value);
        return new Decision(reply.get(0) == 1L, reply.get(1));
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
