package io.github.redlock.fencing;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * Fenced writes into a Redis server that is not one of the lock nodes: each write runs in one Lua
 * script that compares the token with the resource's high-water mark, performs the write only when
 * the token is not older, and advances the mark (rule 1: check and effect in one atomic step).
 *
 * <p>The mark is a plain string key, {@code markPrefix + resource} (default prefix
 * {@value #DEFAULT_MARK_PREFIX}), holding the highest accepted token as decimal digits. A token
 * equal to the mark is accepted (the same lease writing again); tokens are compared as exact
 * integers up to 2^53-1. Keep the mark beside the data: on a single primary with
 * {@code maxmemory-policy noeviction} and persistence, since an evicted or lost mark lets a stale
 * write in. In Redis Cluster the mark and the data key must share a hash slot: use a hash tag in
 * both, e.g. resource {@code {order:42}} and data key {@code {order:42}:doc}.
 *
 * <p>Every method blocks for one round trip on the given connection (Lettuce's synchronous API,
 * with its command timeout) and throws Lettuce's {@code RedisException}s as they come. Thread-safe
 * as the connection is.
 */
public final class RedisFencedWrites implements HighWaterMarks {

    /** The default prefix of the mark keys. */
    public static final String DEFAULT_MARK_PREFIX = "fencing:";

    private static final String SCRIPT = load("fenced-write.lua");

    private final RedisCommands<String, String> commands;
    private final String markPrefix;
    private final String digest;

    /** Fenced writes over {@code connection}, with mark keys under {@value #DEFAULT_MARK_PREFIX}. */
    public RedisFencedWrites(StatefulRedisConnection<String, String> connection) {
        this(connection, DEFAULT_MARK_PREFIX);
    }

    /** Fenced writes over {@code connection}, with mark keys {@code markPrefix + resource}. */
    public RedisFencedWrites(StatefulRedisConnection<String, String> connection, String markPrefix) {
        this.commands = Objects.requireNonNull(connection, "connection").sync();
        this.markPrefix = Objects.requireNonNull(markPrefix, "markPrefix");
        this.digest = commands.digest(SCRIPT);
    }

    /**
     * Registers the token as the resource's mark if it is not older (claim-first, at the start of
     * the critical section), writing nothing else.
     */
    public FencingVerdict claim(String resource, long token) {
        return run(resource, token, "claim", null);
    }

    /** Same as {@link #claim}: the HTTP checks' store. */
    @Override
    public FencingVerdict advance(String resource, long token) {
        return claim(resource, token);
    }

    /** {@code SET key value}, only when {@code token} is not older than the resource's mark. */
    public FencingVerdict set(String key, String value, String resource, long token) {
        return run(resource, token, "set", Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    }

    /**
     * {@code HSET key field value ...}, only when {@code token} is not older than the resource's mark.
     *
     * @throws IllegalArgumentException if {@code fields} is empty
     */
    public FencingVerdict hset(String key, Map<String, String> fields, String resource, long token) {
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("HSET needs at least one field");
        }
        List<String> arguments = new ArrayList<>();
        fields.forEach((field, value) -> {
            arguments.add(field);
            arguments.add(value);
        });
        return run(resource, token, "hset", Objects.requireNonNull(key, "key"), arguments.toArray(String[]::new));
    }

    /** {@code DEL key}, only when {@code token} is not older than the resource's mark. */
    public FencingVerdict del(String key, String resource, long token) {
        return run(resource, token, "del", Objects.requireNonNull(key, "key"));
    }

    /** The resource's mark, or empty if no token was accepted for it. */
    public OptionalLong highestToken(String resource) {
        String mark = commands.get(markKey(resource));
        return mark == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(mark));
    }

    /** The key holding the resource's mark. */
    public String markKey(String resource) {
        return markPrefix + FencingTokens.requireResource(resource);
    }

    private FencingVerdict run(String resource, long token, String operation, @Nullable String dataKey,
            String... operands) {
        FencingTokens.requireValid(token);
        String[] keys = dataKey == null ? new String[] {markKey(resource)} : new String[] {markKey(resource), dataKey};
        String[] arguments = new String[2 + operands.length];
        arguments[0] = Long.toString(token);
        arguments[1] = operation;
        System.arraycopy(operands, 0, arguments, 2, operands.length);
        List<Object> reply;
        try {
            reply = commands.evalsha(digest, ScriptOutputType.MULTI, keys, arguments);
        } catch (RedisNoScriptException e) {
            reply = commands.eval(SCRIPT, ScriptOutputType.MULTI, keys, arguments);
        }
        boolean accepted = ((Long) reply.get(0)) == 1L;
        long highest = Long.parseLong((String) reply.get(1));
        return new FencingVerdict(resource, token, accepted, highest);
    }

    private static String load(String name) {
        try (InputStream in = RedisFencedWrites.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("Missing classpath resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
