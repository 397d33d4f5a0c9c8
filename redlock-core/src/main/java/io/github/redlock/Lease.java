package io.github.redlock;

import io.github.redlock.internal.Ticker;
import java.time.Duration;
import java.time.Instant;

/**
 * A lock granted by {@link Redlock}. Safe to pass between threads, and immutable except for
 * {@link #nodes()}: ownership is the pair (resource, value), not the thread that acquired it.
 *
 * <p>{@link #close()} releases the lock, so a lease works in try-with-resources. The lease stays
 * valid for {@link #validity()} from the moment it was granted, measured by a monotonic clock;
 * after that the lock may already belong to someone else, even if this process was paused and
 * never noticed. Redlock offers no fencing token: see the README's safety section.
 */
public final class Lease implements AutoCloseable {

    private final Redlock owner;
    private final Ticker ticker;
    private final String resource;
    private final String value;
    private final Duration validity;
    private final long validUntilNanos;
    private final long acquiredAtNanos;
    private final Instant acquiredAt;
    private volatile int nodes;

    Lease(Redlock owner, Ticker ticker, String resource, String value, long acquiredAtNanos, long grantedAtNanos,
            long validUntilNanos) {
        this.owner = owner;
        this.ticker = ticker;
        this.resource = resource;
        this.value = value;
        this.validity = Duration.ofNanos(validUntilNanos - grantedAtNanos);
        this.validUntilNanos = validUntilNanos;
        this.acquiredAtNanos = acquiredAtNanos;
        this.acquiredAt = Instant.now().minusNanos(Math.max(0, ticker.nanoTime() - acquiredAtNanos));
    }

    /** The locked resource, as given to {@code lock} (without the key prefix). */
    public String resource() {
        return resource;
    }

    /** The value stored on the nodes; whoever knows it can release or extend the lock. */
    public String value() {
        return value;
    }

    /** How long the lock was granted for: TTL minus the time the attempt took minus clock drift. */
    public Duration validity() {
        return validity;
    }

    /** Whether the validity has not yet run out (by a monotonic clock). */
    public boolean isValid() {
        return validUntilNanos - ticker.nanoTime() > 0;
    }

    /** Validity left now; {@link Duration#ZERO} once it has run out. */
    public Duration remaining() {
        long left = validUntilNanos - ticker.nanoTime();
        return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    /**
     * On how many nodes the lease's key was last known to stand: those that granted it, then more
     * as the engine fills in the nodes that refused or did not answer, and as renewals confirm
     * it. Never counts a node twice; may overstate a node that has since lost the key.
     */
    public int nodes() {
        return nodes;
    }

    /** Records the nodes known to hold the key; only ever raises the count. */
    void standsOn(int count) {
        synchronized (this) {
            if (count > nodes) {
                nodes = count;
            }
        }
    }

    /** The wall-clock time the lock was first granted (renewals keep it), for display only. */
    public Instant acquiredAt() {
        return acquiredAt;
    }

    Redlock owner() {
        return owner;
    }

    long validUntilNanos() {
        return validUntilNanos;
    }

    /** When the lock was first granted, by the monotonic clock; a renewed lease keeps it. */
    long acquiredAtNanos() {
        return acquiredAtNanos;
    }

    /** Releases the lock, like {@link Redlock#release(Lease)}; errors are reported by returning quietly. */
    @Override
    public void close() {
        owner.release(this);
    }

    /** Shows the resource and validity, never the value (it is the lock's secret). */
    @Override
    public String toString() {
        return "Lease[resource=" + resource + ", validity=" + validity.toMillis() + "ms, valid=" + isValid() + ", nodes="
                + nodes + "]";
    }
}
