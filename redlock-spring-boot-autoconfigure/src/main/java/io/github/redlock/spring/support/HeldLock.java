package io.github.redlock.spring.support;

import io.github.redlock.Lease;
import io.github.redlock.Redlock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The lock of one {@code @DistributedLock} call while its work runs: its renewal, the listeners'
 * held-time callback, and the release at the end (or the minimum hold). {@link #finish()} and
 * {@link #finishAsync()} end it once; later calls do nothing.
 */
final class HeldLock {

    private static final Log LOG = LogFactory.getLog(HeldLock.class);

    private final LockOperation operation;
    private final Redlock engine;
    private final AtomicReference<Lease> lease;
    private final Duration ttl;
    private final Duration minHold;
    private final DistributedLockListener listener;
    private final LeaseRenewer.@Nullable Renewal renewal;
    private final Runnable running;
    private final AtomicBoolean finished = new AtomicBoolean();

    HeldLock(LockOperation operation, Redlock engine, Lease lease, Duration ttl, Duration minHold,
            DistributedLockListener listener, LeaseRenewer renewer) {
        this.operation = operation;
        this.engine = engine;
        this.lease = new AtomicReference<>(lease);
        this.ttl = ttl;
        this.minHold = minHold;
        this.listener = listener;
        this.renewal = operation.autoExtend() ? renewer.start(engine, this.lease, ttl, operation.description()) : null;
        this.running = listener.running(operation.resource());
    }

    /** Ends the lock, waiting for the release; never throws. */
    void finish() {
        Lease current = end();
        if (current == null) {
            return;
        }
        try {
            if (expired(current)) {
                engine.release(current);
            } else if (!engine.release(current, minHold)) {
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
            release = expired(current) ? engine.releaseAsync(current) : engine.releaseAsync(current, minHold);
        } catch (RuntimeException e) {
            releaseFailed(current, e);
            return CompletableFuture.completedFuture(null);
        }
        return release.handle((released, error) -> {
            if (error != null) {
                releaseFailed(current, error);
            } else if (!released) {
                notConfirmed(current);
            }
            return null;
        });
    }

    /** Stops the renewal and the held-time callback; the lease to release, or null when already finished. */
    private @Nullable Lease end() {
        if (!finished.compareAndSet(false, true)) {
            return null;
        }
        if (renewal != null) {
            renewal.stop();
        }
        try {
            running.run();
        } catch (RuntimeException e) {
            LOG.warn("A DistributedLockListener failed", e);
        }
        return Objects.requireNonNull(lease.get());
    }

    private boolean expired(Lease current) {
        if (current.isValid()) {
            return false;
        }
        LOG.warn("@DistributedLock method " + operation.description() + " ran longer than its lock on '"
                + current.resource() + "' was valid (ttl " + ttl.toMillis() + " ms): another instance may have run"
                + " at the same time. Increase ttl, or set autoExtend = true.");
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
