package io.github.redlock.internal;

/**
 * Validity arithmetic of the Redlock algorithm: a lock granted at the end of an attempt is valid
 * for {@code ttl - elapsed - drift}, with {@code drift = ttl * driftFactor + 2 ms} (1 ms for
 * Redis's expiry precision plus 1 ms minimum). All values in nanoseconds.
 */
public final class Validity {

    static final long FIXED_DRIFT_NANOS = 2_000_000L;

    private Validity() {
    }

    /** The clock drift allowance for a TTL. */
    public static long driftNanos(long ttlNanos, double driftFactor) {
        return (long) (ttlNanos * driftFactor) + FIXED_DRIFT_NANOS;
    }

    /**
     * The monotonic instant until which a lock is valid, given when its attempt started.
     * The lock may be granted only if this deadline lies after the moment the attempt decided.
     */
    public static long deadline(long attemptStartNanos, long ttlNanos, double driftFactor) {
        return attemptStartNanos + ttlNanos - driftNanos(ttlNanos, driftFactor);
    }
}
