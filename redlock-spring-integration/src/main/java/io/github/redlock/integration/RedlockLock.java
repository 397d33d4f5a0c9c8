package io.github.redlock.integration;

import io.github.redlock.Lease;
import io.github.redlock.LockFailure;
import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import java.time.Duration;
import java.util.ConcurrentModificationException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.springframework.integration.support.locks.DistributedLock;

/**
 * One key's lock of a {@link RedlockLockRegistry}: a local {@link ReentrantLock} for the thread
 * ownership and hold count, and a Redlock lease while held. The lease is read and written only by
 * the thread holding the local lock.
 */
final class RedlockLock implements DistributedLock {

    /** One round of waiting in {@code lock()}: waits are bounded in the core, so the lock loops. */
    private static final Duration WAIT_ROUND = Duration.ofDays(365);

    private final RedlockLockRegistry registry;
    private final String key;
    private final ReentrantLock local = new ReentrantLock();
    private @Nullable Lease lease;
    /** The TTL the lease was last granted or renewed for; read and written as {@link #lease} is. */
    private Duration leaseTtl = Duration.ZERO;
    private volatile long lastUsedNanos = System.nanoTime();

    RedlockLock(RedlockLockRegistry registry, String key) {
        this.registry = registry;
        this.key = key;
    }

    @Override
    public void lock() {
        lock(registry.defaultTtl());
    }

    @Override
    public void lock(Duration ttl) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (acquire(WAIT_ROUND, ttl, true, true)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        while (!acquire(WAIT_ROUND, registry.defaultTtl(), true, true)) {
            // another round
        }
    }

    @Override
    public boolean tryLock() {
        // As ReentrantLock.tryLock(): the interrupt flag is ignored (and kept), so a held lock is
        // never reported lost only because its thread was interrupted.
        boolean interrupted = Thread.interrupted();
        try {
            return acquire(Duration.ZERO, registry.defaultTtl(), false, false);
        } catch (InterruptedException e) {
            // Only a first acquisition throws it (nothing is held then).
            interrupted = true;
            return false;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        return tryLock(Duration.of(Math.max(0, time), unit.toChronoUnit()), registry.defaultTtl());
    }

    @Override
    public boolean tryLock(Duration waitTime, Duration ttl) throws InterruptedException {
        return acquire(waitTime.isNegative() ? Duration.ZERO : waitTime, ttl, true, false);
    }

    /**
     * Acquires, or re-enters with a quorum renewal. A failed re-entry of {@code lock()} throws, since
     * {@code lock()} cannot say false; {@link #tryLock} variants return false.
     */
    private boolean acquire(Duration wait, Duration ttl, boolean retryWhenHeld, boolean mustAcquire) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before locking '" + key + "'");
        }
        if (local.isHeldByCurrentThread()) {
            // A nested call never shortens the lock its outer call holds.
            boolean renewed = renew(ttl.compareTo(leaseTtl) >= 0 ? ttl : leaseTtl);
            if (renewed) {
                local.lock();
                return true;
            }
            if (mustAcquire) {
                throw new IllegalStateException("the lock '" + key + "' was lost: its renewal on re-entry failed"
                        + " (it had expired or was taken over, or too few nodes answered); this thread no longer"
                        + " holds it");
            }
            return false;
        }
        RedlockLock holder = registry.cached(key);
        if (holder != null && holder != this && holder.isHeldByCurrentThread()) {
            // This object was dropped from the cache, and this thread holds the key through the
            // object that stands for it now: it re-enters there, without this object's local lock,
            // which another thread passing through this object may hold for a moment.
            return holder.acquire(wait, ttl, retryWhenHeld, mustAcquire);
        }
        long deadline = System.nanoTime() + wait.toNanos();
        if (!local.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        RedlockLock current = registry.claim(this);
        if (current != this) {
            // This object was dropped from the cache, and another one stands for the key now: the
            // hold is that one's, so that this thread re-enters whichever object it asks next.
            local.unlock();
            return current.acquire(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), ttl, retryWhenHeld,
                    mustAcquire);
        }
        boolean acquired = false;
        try {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            LockRequest request = LockRequest.of(key, ttl).withWaitTime(left).withRetryWhenHeld(retryWhenHeld)
                    .withKeepAlive(registry.keepAlive());
            if (registry.fencing()) {
                request = request.withFencing();
            }
            LockResult result = registry.redlock().tryLock(request);
            if (result.isAcquired()) {
                Lease granted = result.leaseOrThrow();
                if (!granted.isUsable()) {
                    // Its validity ran out (or nearly) before it reached this thread: of no use to
                    // the caller, and it may already be someone else's. lock() tries again.
                    granted.abandon();
                    return false;
                }
                lease = granted;
                leaseTtl = ttl;
                acquired = true;
                touch();
                return true;
            }
            if (result.failure() == LockFailure.INTERRUPTED) {
                Thread.interrupted();
                throw new InterruptedException("interrupted while locking '" + key + "'");
            }
            return false;
        } finally {
            if (!acquired) {
                local.unlock();
            }
        }
    }

    /**
     * Renews the held lease to {@code ttl} on the quorum; when that fails, ends this thread's whole
     * hold (the lease is released where it still stands). Only for the thread holding the lock.
     */
    boolean renew(Duration ttl) {
        Lease held = lease;
        // The renewal waits for the nodes' answers; an interrupt would cut that wait short and end a
        // hold whose renewal may well go through. The flag is kept for the caller.
        boolean interrupted = Thread.interrupted();
        Optional<Lease> renewed;
        try {
            renewed = held != null && held.isValid() ? registry.redlock().extend(held, ttl) : Optional.empty();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (renewed.isPresent() && renewed.get().isUsable()) {
            leaseTtl = ttl;
            touch();
            return true;
        }
        lease = null;
        leaseTtl = Duration.ZERO;
        try {
            if (held != null) {
                // Still valid (too few nodes answered in time): the work under the outer hold may
                // still run, so the key stays until it expires; otherwise it is released.
                held.relinquish();
            }
        } finally {
            while (local.isHeldByCurrentThread()) {
                local.unlock();
            }
        }
        return false;
    }

    @Override
    public void unlock() {
        if (!local.isHeldByCurrentThread()) {
            RedlockLock current = registry.cached(key);
            if (current != null && current != this && current.isHeldByCurrentThread()) {
                current.unlock(); // acquired through this object after it was dropped from the cache
                return;
            }
            throw new IllegalStateException("the lock '" + key + "' is not held by the current thread");
        }
        if (local.getHoldCount() > 1) {
            local.unlock();
            return;
        }
        Lease held = lease;
        lease = null;
        leaseTtl = Duration.ZERO;
        // The release waits for the nodes' answers; an interrupt would cut that wait short and
        // report a release that still goes through as failed. The flag is kept for the caller.
        boolean interrupted = Thread.interrupted();
        try {
            boolean valid = held != null && held.isValid();
            boolean released = held != null && held.release();
            if (!valid || !released) {
                throw new ConcurrentModificationException("the lock '" + key + "' was no longer held when unlocked"
                        + (valid ? " (a quorum did not confirm the release: taken over, or too few nodes answered)"
                                : " (its validity had run out)")
                        + ": the work it guarded may have overlapped with another holder's");
            }
        } finally {
            local.unlock();
            touch();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The lease of this thread's hold; only for the thread holding the lock. */
    @Nullable Lease lease() {
        return local.isHeldByCurrentThread() ? lease : null;
    }

    @Override
    public Condition newCondition() {
        throw new UnsupportedOperationException("conditions are not supported by a distributed lock");
    }

    boolean isHeld() {
        return local.isLocked();
    }

    boolean isHeldByCurrentThread() {
        return local.isHeldByCurrentThread();
    }

    String key() {
        return key;
    }

    long lastUsedNanos() {
        return lastUsedNanos;
    }

    void touch() {
        lastUsedNanos = System.nanoTime();
    }

    @Override
    public String toString() {
        String shown = key.length() > 200 ? key.substring(0, 200) + "..." : key;
        return "RedlockLock[key=" + shown + ", held=" + isHeld() + "]";
    }
}
