package io.github.redlock.safety;

import org.jspecify.annotations.Nullable;

/**
 * The protected resource of the fencing suite: a counter per resource, behind a guard that checks
 * fencing tokens (fencing.md §9.2): a token is accepted when it is above the highest accepted so
 * far (which it then becomes), or equal to it with the same owner; anything else, including a
 * write without a token, is refused. Check and effect happen in one atomic step. The workload is
 * claim first, then read, then write the value read plus one.
 */
interface GuardedStore extends AutoCloseable {

    /** The guard's decision on a write, and the store's own order of accepted writes (0 when refused). */
    record Decision(boolean accepted, long sequence) {
    }

    /**
     * Opens a store: {@code guard} is {@code suite} (the suite's own script, {@link RedisGuardedStore}),
     * {@code off} (that script with the check disabled) or {@code shipped} ({@link ShippedRedisGuardedStore}).
     */
    static GuardedStore open(String guard, String uri) {
        return switch (guard) {
            case "suite" -> new RedisGuardedStore(uri, true);
            case "off" -> new RedisGuardedStore(uri, false);
            case "shipped" -> new ShippedRedisGuardedStore(uri);
            default -> throw new IllegalArgumentException("unknown guard " + guard);
        };
    }

    /** Registers {@code token} as the resource's newest (claim first); false when the guard refuses it. */
    boolean claim(String resource, long token, String owner);

    /** The counter, read without any check. */
    long read(String resource);

    /** Writes {@code value} if the guard accepts {@code token}; {@code token 0} and owner "" mean "no token". */
    Decision write(String resource, long token, String owner, long value);

    /** The counter at the end of a run, or null if it was never written. */
    @Nullable Long value(String resource);

    @Override
    void close();
}
