package io.github.redlock.integration;

import io.github.redlock.Lease;
import io.github.redlock.LockRequest;
import io.github.redlock.Redlock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.springframework.integration.support.locks.DistributedLock;
import org.springframework.integration.support.locks.ExpirableLockRegistry;
import org.springframework.integration.support.locks.RenewableLockRegistry;
import org.springframework.scheduling.TaskScheduler;

/**
 * A Spring Integration {@code LockRegistry} whose locks need a quorum of Redlock's independent Redis
 * servers: a drop-in for {@code RedisLockRegistry} (one server) wherever a {@code LockRegistry} is
 * injected, including {@code LockRegistryLeaderInitiator}.
 *
 * <pre>{@code
 * RedlockLockRegistry registry = new RedlockLockRegistry(redlock, Duration.ofSeconds(30));
 * DistributedLock lock = registry.obtain("invoice:42");
 * if (lock.tryLock(Duration.ofSeconds(2), Duration.ofSeconds(10))) {
 *     try {
 *         // critical section
 *     } finally {
 *         lock.unlock();
 *     }
 * }
 * }</pre>
 *
 * <p><b>Keys.</b> A lock key must be a {@code String}; it is the Redlock resource, so the Redis key
 * is the engine's key prefix ({@code redlock.key-prefix}) followed by it: the very key that
 * {@code @DistributedLock(resource = "<key>")} uses, so both exclude each other.
 *
 * <p><b>Locks.</b> {@link #obtain} returns the same {@link DistributedLock} for a key while it is
 * cached. Each lock follows the {@link java.util.concurrent.locks.Lock} contract as
 * {@code RedisLockRegistry}'s do: owned by the thread that acquired it, re-entrant per thread,
 * released by the owner's last {@code unlock()}. See {@link #obtain} for the semantics of each method;
 * in short:
 * <ul>
 *   <li>a first acquisition takes the lock on a quorum for the TTL (the default TTL, or the one given
 *       to {@code lock(Duration)} / {@code tryLock(Duration, Duration)}); {@code tryLock()} makes one
 *       attempt and does not wait while another holder has it;</li>
 *   <li><b>every re-entrant acquisition renews the lock on the quorum</b> (to the TTL asked for or the
 *       lock's current TTL, whichever is longer: a nested call never shortens its outer call's lock)
 *       and succeeds only if that renewal does. {@code LockRegistryLeaderInitiator} calls {@code tryLock}
 *       each heartbeat while it leads, so a leader that lost its quorum, or was paused past its TTL
 *       and replaced, learns it at its next heartbeat and is revoked. When the renewal fails, this
 *       thread's whole hold ends (the hold count drops to zero, and the lease ends as
 *       {@link Lease#relinquish()} says: left to expire, valid or not, since the outer work may
 *       still run): a re-entrant {@code tryLock}
 *       returns false, a re-entrant {@code lock()} or
 *       {@code lockInterruptibly()} throws {@link IllegalStateException}, and the outer
 *       {@code unlock()} calls of that thread then throw {@link IllegalStateException} as for any
 *       thread that does not hold the lock;</li>
 *   <li>{@code unlock()} by a thread that does not hold the lock throws {@link IllegalStateException};
 *       the last {@code unlock()} of a lock whose validity ran out, or that a quorum no longer held,
 *       throws {@link java.util.ConcurrentModificationException} (as {@code RedisLockRegistry} does),
 *       after releasing what is left of it;</li>
 *   <li>a grant that arrives no longer {@link Lease#isUsable() usable} (no more validity left than
 *       1% of its TTL, at least 1 ms) is {@link Lease#abandon() abandoned} and not handed out:
 *       {@code tryLock} returns false, {@code lock()} tries again;</li>
 *   <li>{@code tryLock()} and {@code unlock()} ignore the interrupt flag (and keep it set), as
 *       {@code ReentrantLock.tryLock()} does;</li>
 *   <li>{@code newCondition()} is not supported.</li>
 * </ul>
 *
 * <p><b>Cache.</b> At most {@link #setCacheCapacity cacheCapacity} locks (default
 * {@value #DEFAULT_CACHE_CAPACITY}) are kept; beyond it the least recently used locks that no thread
 * holds are dropped. {@link #expireUnusedOlderThan} drops those unused for longer than an age. A
 * dropped lock object still works: when it is locked it is cached again, or, when {@link #obtain}
 * created another object for its key meanwhile, it acquires through that one. A key's hold is thus
 * always on the object {@code obtain} returns, and a thread re-enters through any object of the key.
 *
 * <p><b>Lease and fencing token.</b> {@link #heldLease} gives the thread holding a lock its
 * {@link Lease}; with {@link #setFencing fencing} on when the lock was first acquired, the lease carries
 * a fencing token to send with every write to the protected resource.
 *
 * <p><b>Renewal.</b> {@link #renewLock} renews a lock the calling thread holds on the quorum;
 * {@link #setRenewalTaskScheduler} turns on Redlock's keep-alive for locks acquired afterwards.
 */
public final class RedlockLockRegistry
        implements ExpirableLockRegistry<DistributedLock>, RenewableLockRegistry<DistributedLock> {

    /** Default of {@link #setCacheCapacity}: as {@code RedisLockRegistry}'s. */
    public static final int DEFAULT_CACHE_CAPACITY = 100_000;

    private final Redlock redlock;
    private final Duration defaultTtl;
    private final Object monitor = new Object();
    /** Access-ordered: the eldest entry is the least recently obtained. Guarded by {@link #monitor}. */
    private final LinkedHashMap<String, RedlockLock> locks = new LinkedHashMap<>(16, 0.75f, true);
    private volatile int cacheCapacity = DEFAULT_CACHE_CAPACITY;
    private volatile boolean keepAlive;
    private volatile boolean fencing;

    /**
     * A registry over {@code redlock}, whose locks last {@code defaultTtl} unless a call gives its own.
     *
     * @throws IllegalArgumentException when {@code redlock} is null or {@code defaultTtl} is null or
     *         below 1 ms
     */
    public RedlockLockRegistry(Redlock redlock, Duration defaultTtl) {
        if (redlock == null) {
            throw new IllegalArgumentException("redlock must not be null");
        }
        // The core's own check of a TTL (null, below 1 ms), before any lock is asked for.
        LockRequest.of("ttl-check", defaultTtl);
        this.redlock = redlock;
        this.defaultTtl = defaultTtl;
    }

    /**
     * The lock of {@code lockKey}, the same object for the same key while it stays cached.
     *
     * <ul>
     *   <li>{@code lock()}, {@code lock(Duration ttl)}: wait until acquired, ignoring interrupts (the
     *       flag is set again on return); while the quorum is unreachable they keep waiting.</li>
     *   <li>{@code lockInterruptibly()}: the same, but an interrupt ends the wait with
     *       {@link InterruptedException}, nothing held.</li>
     *   <li>{@code tryLock()}: one attempt (with the engine's retries for unreachable nodes), false at
     *       once when another holder has the lock.</li>
     *   <li>{@code tryLock(time, unit)}, {@code tryLock(Duration waitTime, Duration ttl)}: retry until
     *       acquired or the wait has passed (the wait includes waiting for another thread of this
     *       process that holds the lock).</li>
     * </ul>
     *
     * @throws IllegalArgumentException when {@code lockKey} is not a non-blank {@code String}
     */
    @Override
    public DistributedLock obtain(Object lockKey) {
        if (!(lockKey instanceof String key) || key.isBlank()) {
            throw new IllegalArgumentException("a lock key must be a non-blank String, got " + lockKey);
        }
        synchronized (monitor) {
            RedlockLock lock = locks.computeIfAbsent(key, k -> new RedlockLock(this, k));
            lock.touch();
            trim(key);
            return lock;
        }
    }

    /**
     * Drops the cached locks that no thread holds and that were last obtained or acquired more than
     * {@code age} milliseconds ago.
     */
    @Override
    public void expireUnusedOlderThan(long age) {
        long now = System.nanoTime();
        long ageNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, age));
        synchronized (monitor) {
            locks.values().removeIf(lock -> !lock.isHeld() && now - lock.lastUsedNanos() > ageNanos);
        }
    }

    /**
     * How many locks to keep cached at most (default {@value #DEFAULT_CACHE_CAPACITY}); beyond it the
     * least recently used ones that no thread holds are dropped. Held locks are never dropped, so
     * the cache may exceed the capacity while more locks than that are held.
     *
     * @throws IllegalArgumentException when below 1
     */
    public void setCacheCapacity(int cacheCapacity) {
        if (cacheCapacity < 1) {
            throw new IllegalArgumentException("cacheCapacity must be at least 1, got " + cacheCapacity);
        }
        this.cacheCapacity = cacheCapacity;
        synchronized (monitor) {
            trim(null);
        }
    }

    /** How many locks are cached now. */
    public int cachedLocks() {
        synchronized (monitor) {
            return locks.size();
        }
    }

    /**
     * The lease of the lock of {@code lockKey} that the calling thread holds: for its
     * {@link Lease#fencingToken() fencing token} (with {@link #setFencing(boolean) fencing} on), its
     * {@link Lease#remaining() validity left} or {@link Lease#lost()}. Re-entrant acquisitions and
     * renewals keep the same lease (and token); a new one comes with the next first acquisition. Do
     * not release, extend or end it yourself: {@code unlock()} and {@link #renewLock} do.
     *
     * @return the lease, or empty when the calling thread does not hold the lock of {@code lockKey}
     *         (also for a key that is not a {@code String})
     */
    public Optional<Lease> heldLease(Object lockKey) {
        RedlockLock lock = lockKey instanceof String key ? cached(key) : null;
        return lock != null ? Optional.ofNullable(lock.lease()) : Optional.empty();
    }

    /**
     * Whether a thread holds the lock of {@code lockKey} through this registry now, from any
     * thread: true until its last {@code unlock()} returned, which is once the nodes answered its
     * release (or the wait for them ended). For example to wait, at shutdown, until a lock is released
     * before its {@code Redlock} closes.
     *
     * @return false also for a key that is not a {@code String} or has no lock object
     */
    public boolean isHeld(Object lockKey) {
        RedlockLock lock = lockKey instanceof String key ? cached(key) : null;
        return lock != null && lock.isHeld();
    }

    /**
     * Whether first acquisitions from now on carry a {@link Lease#fencingToken() fencing token}
     * ({@link LockRequest#withFencing()}; off by default). Read it with {@link #heldLease}, and pass
     * it with every write to the protected resource (docs/fencing.md). The Redis servers must allow
     * what fencing needs (docs/fencing.md); a lock whose token could not be minted is not acquired.
     *
     * <p>It changes nothing for a lock held when it is called: that lock keeps the lease of its
     * first acquisition, with a token or without one, through its re-entrant acquisitions and
     * renewals until its holder's last {@code unlock()}. Turned on while a thread holds a lock,
     * {@code heldLease(key)} of that thread still has no token; the next first acquisition has one.
     */
    public void setFencing(boolean fencing) {
        this.fencing = fencing;
    }

    /** Renews the lock of {@code lockKey} to the default TTL: {@link #renewLock(Object, Duration)}. */
    @Override
    public void renewLock(Object lockKey) {
        renewLock(lockKey, defaultTtl);
    }

    /**
     * Renews the lock of {@code lockKey}, which the calling thread must hold, to {@code ttl} on the
     * quorum. When the renewal fails the lock is lost, and this thread's hold ends as for a failed
     * re-entry (see the class description).
     *
     * @throws IllegalStateException when the calling thread does not hold the lock, or when the
     *         renewal failed (the lock had expired or was taken over, or too few nodes answered)
     */
    @Override
    public void renewLock(Object lockKey, Duration ttl) {
        RedlockLock lock = lockKey instanceof String key ? cached(key) : null;
        if (lock == null || !lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("the lock '" + lockKey + "' is not held by the current thread");
        }
        if (!lock.renew(ttl)) {
            throw new IllegalStateException("the lock '" + lockKey + "' could not be renewed on a quorum of "
                    + redlock.nodes().size() + " nodes and is lost");
        }
    }

    /**
     * Turns on Redlock's keep-alive for locks acquired from now on: each is renewed to its TTL about
     * every third of it while held, on the engine's own timer (the given scheduler is not used: the
     * engine renews without occupying it). A lock whose keep-alive failed is lost; its last
     * {@code unlock()} then throws {@link java.util.ConcurrentModificationException}.
     */
    @Override
    public void setRenewalTaskScheduler(TaskScheduler renewalTaskScheduler) {
        Objects.requireNonNull(renewalTaskScheduler, "renewalTaskScheduler");
        this.keepAlive = true;
    }

    /** The engine the locks are taken on (not closed by the registry). */
    public Redlock redlock() {
        return redlock;
    }

    /** The TTL of locks acquired without one ({@code lock()}, {@code tryLock()}, {@code tryLock(time, unit)}). */
    public Duration defaultTtl() {
        return defaultTtl;
    }

    boolean keepAlive() {
        return keepAlive;
    }

    boolean fencing() {
        return fencing;
    }

    /**
     * The cached lock of {@code key}, if any. A read of the access-ordered cache, so it counts as a
     * use for the capacity's least-recently-used order (the key moves to the most recently used
     * end), but not for {@link #expireUnusedOlderThan} (the lock's last-used time is left as it is).
     */
    @Nullable RedlockLock cached(String key) {
        synchronized (monitor) {
            return locks.get(key);
        }
    }

    /**
     * Called by a thread that has just taken {@code lock}'s local lock for a first acquisition: the
     * lock the registry has for its key now. When the cache dropped {@code lock} (it was not held),
     * {@code lock} is cached again, unless another object was obtained for the key meanwhile: that
     * one is returned, and the caller acquires through it. So a key's hold is always on the one
     * object {@link #obtain} returns, and re-entry works through whichever object a thread uses.
     */
    RedlockLock claim(RedlockLock lock) {
        synchronized (monitor) {
            RedlockLock cached = locks.get(lock.key());
            if (cached != null) {
                return cached;
            }
            locks.put(lock.key(), lock);
            trim(lock.key());
            return lock;
        }
    }

    /** Drops least recently used unheld locks, never {@code keep}, until within the capacity. */
    private void trim(@Nullable String keep) {
        int excess = locks.size() - cacheCapacity;
        for (Iterator<Map.Entry<String, RedlockLock>> it = locks.entrySet().iterator(); excess > 0 && it.hasNext(); ) {
            Map.Entry<String, RedlockLock> entry = it.next();
            if (!entry.getKey().equals(keep) && !entry.getValue().isHeld()) {
                it.remove();
                excess--;
            }
        }
    }

    @Override
    public String toString() {
        return "RedlockLockRegistry[defaultTtl=" + defaultTtl.toMillis() + "ms, nodes=" + redlock.nodes().size()
                + ", cached=" + cachedLocks() + "]";
    }
}
