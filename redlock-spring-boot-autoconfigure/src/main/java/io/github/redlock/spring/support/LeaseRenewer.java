package io.github.redlock.spring.support;

import io.github.redlock.Lease;
import io.github.redlock.Redlock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Renews the leases of {@code autoExtend} methods every third of their TTL, on one daemon thread
 * shared by all of them. The thread is created on first use and stopped by {@link #close()}.
 */
final class LeaseRenewer implements AutoCloseable {

    private static final Log LOG = LogFactory.getLog(LeaseRenewer.class);

    private final Object monitor = new Object();
    private @Nullable ScheduledThreadPoolExecutor executor;
    private boolean closed;

    /**
     * Starts renewing {@code lease} for {@code ttl} until {@link Renewal#stop()}; each renewed lease
     * replaces the reference's value. Returns null (no renewal) once closed, during shutdown.
     */
    @Nullable Renewal start(Redlock redlock, AtomicReference<Lease> lease, Duration ttl, String description) {
        ScheduledThreadPoolExecutor scheduler = executor();
        if (scheduler == null) {
            LOG.debug("Not renewing the lock of " + description + ": shutting down");
            return null;
        }
        long periodNanos = Math.max(ttl.toNanos() / 3, TimeUnit.MILLISECONDS.toNanos(1));
        Renewal renewal = new Renewal(redlock, lease, ttl, description);
        renewal.future = scheduler.scheduleWithFixedDelay(renewal, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        return renewal;
    }

    private @Nullable ScheduledThreadPoolExecutor executor() {
        synchronized (monitor) {
            if (closed) {
                return null;
            }
            if (executor == null) {
                CustomizableThreadFactory threads = new CustomizableThreadFactory("redlock-renewal-");
                threads.setDaemon(true);
                ScheduledThreadPoolExecutor created = new ScheduledThreadPoolExecutor(1, threads);
                created.setRemoveOnCancelPolicy(true);
                created.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
                executor = created;
            }
            return executor;
        }
    }

    @Override
    public void close() {
        ScheduledThreadPoolExecutor toStop;
        synchronized (monitor) {
            closed = true;
            toStop = executor;
            executor = null;
        }
        if (toStop != null) {
            toStop.shutdownNow();
        }
    }

    /** The renewal of one method call's lease. */
    static final class Renewal implements Runnable {

        private final Redlock redlock;
        private final AtomicReference<Lease> lease;
        private final Duration ttl;
        private final String description;
        private final ReentrantLock lock = new ReentrantLock();
        private boolean stopped;
        private volatile @Nullable ScheduledFuture<?> future;

        Renewal(Redlock redlock, AtomicReference<Lease> lease, Duration ttl, String description) {
            this.redlock = redlock;
            this.lease = lease;
            this.ttl = ttl;
            this.description = description;
        }

        @Override
        public void run() {
            lock.lock();
            try {
                if (stopped) {
                    cancel();
                    return;
                }
                Lease current = Objects.requireNonNull(lease.get());
                if (!current.isValid()) {
                    LOG.warn("The lock on '" + current.resource() + "' of " + description
                            + " expired before it could be renewed; another instance may acquire it while the method runs");
                    stopped = true;
                    cancel();
                    return;
                }
                Optional<Lease> renewed = redlock.extend(current, ttl);
                if (renewed.isPresent()) {
                    lease.set(renewed.get());
                } else {
                    LOG.warn("Could not renew the lock on '" + current.resource() + "' of " + description
                            + " (too few nodes confirmed it); it expires in " + current.remaining().toMillis()
                            + " ms unless a later renewal succeeds");
                }
            } catch (RuntimeException e) {
                LOG.warn("Could not renew the lock on '" + Objects.requireNonNull(lease.get()).resource() + "' of "
                        + description, e);
            } finally {
                lock.unlock();
            }
        }

        /** Stops renewing; waits for a renewal in progress, so the lease read afterwards is the latest. */
        void stop() {
            lock.lock();
            try {
                stopped = true;
            } finally {
                lock.unlock();
            }
            cancel();
        }

        private void cancel() {
            ScheduledFuture<?> scheduled = future;
            if (scheduled != null) {
                scheduled.cancel(false);
            }
        }
    }
}
