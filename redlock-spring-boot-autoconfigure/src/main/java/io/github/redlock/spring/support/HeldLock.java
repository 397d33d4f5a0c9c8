package io.github.redlock.spring.support;

import io.github.redlock.KeepAlive;
import io.github.redlock.Lease;
import io.github.redlock.Redlock;
import io.github.redlock.spring.observation.LockObservationContext;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.aopalliance.intercept.MethodInvocation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The lock of one {@code @DistributedLock} call while its work runs: its renewal (the engine's
 * {@link Redlock#keepAlive keepAlive} for {@code autoExtend}), the listeners' held-time callback,
 * its {@code redlock.lock.hold} observation, and the release at the end (or the minimum hold). {@link #finish()} and
 * {@link #finishAsync()} end it once; later calls do nothing.
 */
final class HeldLock {

    private static final Log LOG = LogFactory.getLog(HeldLock.class);

    private final LockOperation operation;
    private final Redlock engine;
    private final Lease lease;
    private final Duration ttl;
    private final Duration minHold;
    private final DistributedLockListener listener;
    private final @Nullable KeepAlive keepAlive;
    private final Runnable running;
    private final ObservationRegistry registry;
    private final Observation observation;
    private final AtomicBoolean finished = new AtomicBoolean();

    HeldLock(LockOperation operation, Redlock engine, Lease lease, Duration ttl, Duration minHold,
            DistributedLockListener listener, ObservationRegistry registry, Observation observation) {
        this.operation = operation;
        this.engine = engine;
        this.lease = lease;
        this.ttl = ttl;
        this.minHold = minHold;
        this.listener = listener;
        this.keepAlive = operation.autoExtend() ? keepAlive(operation, engine, lease, ttl) : null;
        this.running = listener.running(operation.resource());
        this.registry = registry;
        this.observation = observation;
    }

    /** Runs the method with the hold observation current on this thread, so that work observed inside it is its child. */
    @Nullable Object proceedInScope(MethodInvocation invocation) throws Throwable {
        return Observed.proceedScoped(registry, observation, invocation::proceed);
    }

    /** The work failed with {@code error}: the hold observation records it (call before finishing). */
    void failed(Throwable error) {
        if (!finished.get()) {
            Observed.error(observation, error);
        }
    }

    /** Renews the lease while the work runs; a lost lock is logged at once (the work cannot be stopped safely). */
    private static @Nullable KeepAlive keepAlive(LockOperation operation, Redlock engine, Lease lease, Duration ttl) {
        try {
            KeepAlive keepAlive = engine.keepAlive(lease, ttl);
            keepAlive.lost().thenAccept(last -> LOG.warn("Lost the lock on '" + last.resource() + "' of "
                    + operation.description() + " while it runs (a renewal was refused by a quorum of nodes, did not"
                    + " succeed in time, or the Redlock was closed): another instance may acquire it"));
            return keepAlive;
        } catch (RuntimeException e) {
            LOG.warn("Not renewing the lock on '" + lease.resource() + "' of " + operation.description()
                    + ": it expires with its TTL", e);
            return null;
        }
    }

    /** Ends the lock, waiting for the release; never throws. */
    void finish() {
        Lease current = end();
        if (current == null) {
            return;
        }
        try {
            if (expiredObserved(current)) {
                if (keepAlive != null) {
                    keepAlive.release();
                } else {
                    engine.release(current);
                }
            } else if (!(keepAlive != null ? keepAlive.release(minHold) : engine.release(current, minHold))) {
                notConfirmed(current);
            }
        } catch (RuntimeException e) {
            releaseFailed(current, e);
        }
    }

    /**
     * Ends the lock without blocking the calling thread (which may be an event loop); the stage
     * completes when the release was answered, and never fails.
     */
    CompletionStage<Void> finishAsync() {
        Lease current = end();
        if (current == null) {
            return CompletableFuture.completedFuture(null);
        }
        CompletionStage<Boolean> release;
        try {
            boolean expired = expiredObserved(current);
            if (keepAlive != null) {
                release = expired ? keepAlive.releaseAsync() : keepAlive.releaseAsync(minHold);
            } else {
                release = expired ? engine.releaseAsync(current) : engine.releaseAsync(current, minHold);
            }
        } catch (RuntimeException e) {
            releaseFailed(current, e);
            return CompletableFuture.completedFuture(null);
        }
        Lease last = current;
        return release.handle((released, error) -> {
            if (error != null) {
                releaseFailed(last, error);
            } else if (!released) {
                notConfirmed(last);
            }
            return null;
        });
    }

    /**
     * Stops the held-time callback; the current lease, or null when already finished. Renewal stops
     * with the keep-alive's release, which waits for a renewal in flight.
     */
    private @Nullable Lease end() {
        if (!finished.compareAndSet(false, true)) {
            return null;
        }
        try {
            running.run();
        } catch (RuntimeException e) {
            LOG.warn("A DistributedLockListener failed", e);
        }
        return keepAlive != null ? keepAlive.lease() : lease;
    }

    /** As {@link #expired}, and ends the hold observation with that outcome. */
    private boolean expiredObserved(Lease current) {
        boolean expired;
        try {
            expired = expired(current);
        } catch (RuntimeException e) {
            Observed.stop(observation);
            throw e;
        }
        if (observation.getContext() instanceof LockObservationContext context) {
            context.setOutcome(expired ? "expired" : "released");
        }
        Observed.stop(observation);
        return expired;
    }

    /** Whether the lock ran out (or, under {@code autoExtend}, was lost) while the work ran; warns and counts it. */
    private boolean expired(Lease current) {
        if (keepAlive != null ? keepAlive.isHeld() : current.isValid()) {
            return false;
        }
        LOG.warn("@DistributedLock method " + operation.description() + " ran longer than its lock on '"
                + current.resource() + "' was valid (ttl " + ttl.toMillis() + " ms): another instance may have run"
                + " at the same time. " + (keepAlive != null ? "Its renewal was lost (see the warning above)."
                        : "Increase ttl, or set autoExtend = true."));
        listener.expired(operation.resource());
        return true;
    }

    private static void notConfirmed(Lease current) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("The lock on '" + current.resource() + "' was not confirmed released (or kept for its minimum hold)"
                    + " by a quorum of nodes; it expires with its TTL");
        }
    }

    private void releaseFailed(Lease current, Throwable error) {
        LOG.warn("Could not release the lock on '" + current.resource() + "' of " + operation.description()
                + "; it expires with its TTL", error);
    }
}
