package io.github.redlock;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Keeps a lease renewed until released: the handle returned by {@link Redlock#keepAlive(Lease, Duration)}.
 * Thread-safe; ownership is the lease (resource and value), not a thread.
 *
 * <p>Each renewal extends the lock to the keep-alive's TTL on every node where it still holds its
 * value, asynchronously on the engine's timer and Redis I/O threads: no thread is taken per lease
 * and none blocks. A renewal is due when a third of the TTL has passed since the last one, and
 * never later than when two thirds of the current lease's validity are left. A renewal that fails
 * because too few nodes answered is tried again, sooner each time, while the current lease is still
 * valid. The lock is <em>lost</em>, and renewing stops, when a quorum of nodes no longer holds its
 * value (it expired or was released elsewhere) or when the current lease ran out before a renewal
 * succeeded; {@link #lost()} then completes. Closing the {@link Redlock} stops every keep-alive and
 * releases their leases; their {@link #lost()} completes too, since the code using the lock may
 * still be running.
 *
 * <p>{@link #release()} and its variants stop renewing first and then release the current lease
 * exactly as {@link Redlock#release(Lease, Duration)} does; a renewal still in flight is awaited, so
 * it can neither extend the lock after the release nor leave it holding a stale validity.
 */
public final class KeepAlive implements AutoCloseable {

    /** The shortest delay between renewals; below it, a lease is too short to keep alive. */
    private static final long MIN_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Redlock redlock;
    private final LockEngine engine;
    private final long ttlMillis;
    private final long periodNanos;
    private final CompletableFuture<Lease> lost = new CompletableFuture<>();

    // Guarded by this.
    private Lease lease;
    private boolean renewing = true;
    private boolean released;
    private CompletableFuture<?> renewal = CompletableFuture.completedFuture(null);

    KeepAlive(Redlock redlock, LockEngine engine, Lease lease, Duration ttl) {
        this.redlock = redlock;
        this.engine = engine;
        this.lease = lease;
        this.ttlMillis = ttl.toMillis();
        this.periodNanos = Math.max(ttl.toNanos() / 3, MIN_DELAY_NANOS);
    }

    /** Schedules the first renewal; or reports the lease lost at once if it has already run out. */
    void start() {
        Lease current = lease();
        if (!current.isValid()) {
            lose(current);
            return;
        }
        scheduleAfter(current);
    }

    /** The current lease: the one given to {@code keepAlive} until the first renewal, then the latest renewed one. */
    public synchronized Lease lease() {
        return lease;
    }

    /**
     * Whether the lock is still held: not lost, not released, and the current lease still valid.
     * Once false, it stays false.
     */
    public boolean isHeld() {
        synchronized (this) {
            if (!renewing || released) {
                return false;
            }
        }
        return lease().isValid();
    }

    /**
     * Completes with the last lease when the lock is lost: a quorum of nodes refused a renewal,
     * the current lease ran out before a renewal succeeded, or the {@link Redlock} was closed. Never
     * completes when the keep-alive is released first; never completes exceptionally. May complete on
     * a Redis I/O thread: do not block in dependent stages.
     */
    public CompletionStage<Lease> lost() {
        return lost.minimalCompletionStage();
    }

    /**
     * Stops renewing and releases the current lease, as {@link Redlock#release(Lease)}; also after
     * the lock was lost (nodes that still hold it are cleaned up). Calling it again, or after
     * {@link #release(Duration)}, does nothing and returns false.
     *
     * @return true when a quorum of nodes still held the lock and released it; false otherwise. Never
     *         throws for Redis errors.
     */
    public boolean release() {
        return release(Duration.ZERO);
    }

    /**
     * Stops renewing and releases the current lease once it has been held for {@code minHoldTime}
     * since it was first granted, as {@link Redlock#release(Lease, Duration)}.
     *
     * @return as {@link Redlock#release(Lease, Duration)}; false when already released
     * @throws IllegalArgumentException when {@code minHoldTime} is null or negative
     */
    public boolean release(Duration minHoldTime) {
        return redlock.awaitRound(releaseAsync(minHoldTime).toCompletableFuture(), 2, false);
    }

    /** As {@link #release()}, without blocking. */
    public CompletionStage<Boolean> releaseAsync() {
        return releaseAsync(Duration.ZERO);
    }

    /** As {@link #release(Duration)}, without blocking; the stage may complete on a Redis I/O thread. */
    public CompletionStage<Boolean> releaseAsync(Duration minHoldTime) {
        if (minHoldTime == null || minHoldTime.isNegative()) {
            throw new IllegalArgumentException("minHoldTime must be zero or positive, got " + minHoldTime);
        }
        CompletableFuture<?> inFlight = stop();
        if (inFlight == null) {
            return CompletableFuture.completedFuture(false);
        }
        return inFlight.handle((done, error) -> lease())
                .thenCompose(current -> redlock.releaseAsync(current, minHoldTime));
    }

    /** As {@link #release()}. */
    @Override
    public void close() {
        release();
    }

    @Override
    public String toString() {
        return "KeepAlive[" + lease() + ", held=" + isHeld() + "]";
    }

    /**
     * Stops renewing; completes once a renewal in flight has ended. Null when already stopped.
     * Used by release and by {@link Redlock#close()}.
     */
    synchronized @Nullable CompletableFuture<?> stop() {
        if (released) {
            return null;
        }
        released = true;
        renewing = false;
        redlock.forget(this);
        return renewal;
    }

    /** Reports the lease lost because its Redlock is closing (after {@link #stop()}). */
    void closedUnder() {
        lost.complete(lease());
    }

    private void scheduleAfter(Lease current) {
        long dueNanos = Math.min(periodNanos, current.remaining().toNanos() / 3);
        engine.schedule(this::renew, Math.max(dueNanos, MIN_DELAY_NANOS));
    }

    private void renew() {
        Lease current;
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (this) {
            if (!renewing) {
                return;
            }
            current = lease;
            renewal = done;
        }
        if (!current.isValid()) {
            lose(current);
            done.complete(null);
            return;
        }
        engine.renew(current, ttlMillis).whenComplete((outcome, error) -> {
            try {
                renewed(current, outcome);
            } finally {
                done.complete(null);
            }
        });
    }

    private void renewed(Lease current, LockEngine.@Nullable Renewal outcome) {
        Lease next = outcome != null ? outcome.lease().orElse(null) : null;
        boolean refused = outcome != null && outcome.refused();
        synchronized (this) {
            if (next != null) {
                lease = next; // also when released meanwhile: the release then uses the latest validity
            }
            if (!renewing) {
                return;
            }
        }
        if (next != null) {
            scheduleAfter(next);
        } else if (refused || !current.isValid()) {
            lose(current);
        } else {
            scheduleAfter(current); // too few nodes answered: try again, sooner, while still valid
        }
    }

    private void lose(Lease last) {
        synchronized (this) {
            if (!renewing) {
                return;
            }
            renewing = false;
        }
        redlock.forget(this);
        lost.complete(last);
    }
}
