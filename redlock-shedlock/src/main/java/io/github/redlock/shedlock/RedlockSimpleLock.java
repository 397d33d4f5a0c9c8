package io.github.redlock.shedlock;

import io.github.redlock.Lease;
import io.github.redlock.Redlock;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.javacrumbs.shedlock.core.AbstractSimpleLock;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;

/**
 * A lock granted by {@link RedlockLockProvider}: a Redlock {@link Lease} with ShedLock's
 * {@code lockAtLeastUntil}. {@link AbstractSimpleLock} makes it single-use: after {@code unlock} or
 * {@code extend}, both throw {@link IllegalStateException}.
 */
final class RedlockSimpleLock extends AbstractSimpleLock {

    private static final System.Logger LOG = System.getLogger(RedlockSimpleLock.class.getName());

    /** A hold left below this is not worth a round trip: the key is deleted (Redis expires in whole ms anyway). */
    private static final long SHORTEST_HOLD_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Redlock redlock;
    private final Lease lease;
    /** No earlier than when the grant's minimum hold (the core's) ends, by {@link System#nanoTime()}. */
    private final long grantHoldEndNanos;
    /** When this lock's own {@code lockAtLeastUntil} is, by {@link System#nanoTime()}. */
    private final long lockAtLeastUntilNanos;

    RedlockSimpleLock(LockConfiguration configuration, Redlock redlock, Lease lease, long grantHoldEndNanos,
            long lockAtLeastUntilNanos) {
        super(configuration);
        this.redlock = redlock;
        this.lease = lease;
        this.grantHoldEndNanos = grantHoldEndNanos;
        this.lockAtLeastUntilNanos = lockAtLeastUntilNanos;
    }

    @Override
    protected void doUnlock() {
        if (!lease.isValid()) {
            LOG.log(Level.WARNING, "The lock ''{0}'' expired before it was unlocked: the task ran longer than its"
                    + " lockAtMostFor, and another instance may have run it meanwhile", lockConfiguration.getName());
        }
        long now = System.nanoTime();
        long holdLeftNanos = lockAtLeastUntilNanos - now;
        if (lockAtLeastUntilNanos - grantHoldEndNanos <= SHORTEST_HOLD_NANOS || holdLeftNanos < SHORTEST_HOLD_NANOS) {
            // The grant's minimum hold covers this lock's lockAtLeastUntil: the core shortens or deletes.
            lease.release();
            return;
        }
        // An extension asked for a later lockAtLeastUntil than the grant did: shorten the key to it
        // (owner-checked, on the nodes still holding this lock's value), then leave it to expire.
        // Refused, the key keeps its TTL, which is longer, so the hold holds either way.
        Duration holdLeft = Duration.ofMillis(TimeUnit.NANOSECONDS.toMillis(holdLeftNanos + 999_999));
        boolean shortened = false;
        if (lease.isValid() && holdLeft.compareTo(RedlockLockProvider.minimumTtl(redlock)) >= 0) {
            try {
                shortened = redlock.extend(lease, holdLeft).isPresent();
            } catch (IllegalStateException closed) {
                // Closed meanwhile: the key expires with its TTL.
            }
        }
        lease.letExpire();
        if (!shortened) {
            scheduleDelete(holdLeftNanos);
        }
    }

    /**
     * As the core does for a minimum hold whose shortening failed: deletes the key where it still
     * holds this lock's value once the hold is over, so that it does not stand until its TTL.
     */
    private void scheduleDelete(long delayNanos) {
        String resource = lease.resource();
        String value = lease.value();
        CompletableFuture.delayedExecutor(delayNanos, TimeUnit.NANOSECONDS).execute(() -> {
            try {
                redlock.release(resource, value);
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "Could not delete the lock ''{0}'' after its lockAtLeastUntil: it expires with its"
                        + " TTL", resource);
            }
        });
    }

    @Override
    protected Optional<SimpleLock> doExtend(LockConfiguration newConfiguration) {
        long startNanos = System.nanoTime();
        Duration ttl = Duration.between(ClockProvider.now(), newConfiguration.getLockAtMostUntil());
        Optional<Lease> renewed = Optional.empty();
        if (ttl.compareTo(RedlockLockProvider.minimumTtl(redlock)) >= 0 && lease.isValid()) {
            try {
                renewed = redlock.extend(lease, ttl);
            } catch (IllegalStateException closed) {
                // Closed meanwhile: not extended.
            }
        }
        if (renewed.isEmpty()) {
            // The caller can no longer unlock it, and its task may still run: while still valid it
            // expires with its TTL; once no longer valid, it is released where it still stands.
            lease.relinquish();
            LOG.log(Level.DEBUG, "Could not extend the lock ''{0}''", newConfiguration.getName());
            return Optional.empty();
        }
        long lockAtLeastUntil = startNanos + RedlockLockProvider.positive(newConfiguration.getLockAtLeastFor()).toNanos();
        return Optional.of(new RedlockSimpleLock(newConfiguration, redlock, renewed.get(), grantHoldEndNanos,
                Math.max(lockAtLeastUntil, grantHoldEndNanos)));
    }

    /** The Redlock lease behind this lock, for tests that judge claims by its validity. */
    Lease lease() {
        return lease;
    }

    @Override
    public String toString() {
        return "RedlockSimpleLock[" + lockConfiguration.getName() + ", " + lease + "]";
    }
}
