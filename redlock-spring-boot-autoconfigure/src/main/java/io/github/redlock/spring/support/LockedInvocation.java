package io.github.redlock.spring.support;

import io.github.redlock.Lease;
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
 * One {@code @DistributedLock} call while its method runs, as the advice reports it: the listeners'
 * held-time callback, the {@code redlock.lock.hold} observation, and the warning when the method
 * outran its lock. The lock itself is the core's {@link Lease}, whose release does what the request
 * asked (stops the keep-alive of {@code autoExtend}, keeps the minimum hold). {@link #finish()} and
 * {@link #finishAsync()} end it once; later calls do nothing.
 */
final class LockedInvocation {

    private static final Log LOG = LogFactory.getLog(LockedInvocation.class);

    private final LockOperation operation;
    private final Lease lease;
    private final Duration ttl;
    private final DistributedLockListener listener;
    private final Runnable running;
    private final ObservationRegistry registry;
    private final Observation observation;
    private final AtomicBoolean finished = new AtomicBoolean();

    LockedInvocation(LockOperation operation, Lease lease, Duration ttl, DistributedLockListener listener,
            ObservationRegistry registry, Observation observation) {
        this.operation = operation;
        this.lease = lease;
        this.ttl = ttl;
        this.listener = listener;
        this.running = listener.running(operation.resource());
        this.registry = registry;
        this.observation = observation;
        if (operation.autoExtend()) {
            lease.lost().thenAccept(last -> LOG.warn("Lost the lock on '" + last.resource() + "' of "
                    + operation.description() + " while it runs (a renewal was refused by a quorum of nodes, did not"
                    + " succeed in time, or the Redlock was closed): another instance may acquire it"));
        }
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

    /** Ends the lock, waiting for the release; never throws. */
    void finish() {
        if (!end()) {
            return;
        }
        try {
            if (!lease.release()) {
                notConfirmed();
            }
        } catch (RuntimeException e) {
            releaseFailed(e);
        }
    }

    /**
     * Ends the lock without blocking the calling thread (which may be an event loop); the stage
     * completes when the release was answered, and never fails.
     */
    CompletionStage<Void> finishAsync() {
        if (!end()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletionStage<Boolean> release;
        try {
            release = lease.releaseAsync();
        } catch (RuntimeException e) {
            releaseFailed(e);
            return CompletableFuture.completedFuture(null);
        }
        return release.handle((released, error) -> {
            if (error != null) {
                releaseFailed(error);
            } else if (!released) {
                notConfirmed();
            }
            return null;
        });
    }

    /** Stops the held-time callback and ends the hold observation; false when already finished. */
    private boolean end() {
        if (!finished.compareAndSet(false, true)) {
            return false;
        }
        try {
            running.run();
        } catch (RuntimeException e) {
            LOG.warn("A DistributedLockListener failed", e);
        }
        try {
            boolean expired = expired();
            if (observation.getContext() instanceof LockObservationContext context) {
                context.setOutcome(expired ? "expired" : "released");
            }
        } finally {
            Observed.stop(observation);
        }
        return true;
    }

    /** Whether the lock ran out (or, under {@code autoExtend}, was lost) while the work ran; warns and counts it. */
    private boolean expired() {
        if (lease.isValid()) {
            return false;
        }
        LOG.warn("@DistributedLock method " + operation.description() + " ran longer than its lock on '"
                + lease.resource() + "' was valid (ttl " + ttl.toMillis() + " ms): another instance may have run"
                + " at the same time. " + (operation.autoExtend() ? "Its renewal was lost (see the warning above)."
                        : "Increase ttl, or set autoExtend = true."));
        listener.expired(operation.resource());
        return true;
    }

    private void notConfirmed() {
        if (LOG.isDebugEnabled()) {
            LOG.debug("The lock on '" + lease.resource() + "' was not confirmed released (or kept for its minimum hold)"
                    + " by a quorum of nodes; it expires with its TTL");
        }
    }

    private void releaseFailed(Throwable error) {
        LOG.warn("Could not release the lock on '" + lease.resource() + "' of " + operation.description()
                + "; it expires with its TTL", error);
    }
}
