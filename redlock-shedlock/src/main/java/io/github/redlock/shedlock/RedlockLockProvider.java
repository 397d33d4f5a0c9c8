package io.github.redlock.shedlock;

import io.github.redlock.Lease;
import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.Redlock;
import io.github.redlock.RedlockOptions;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;

/**
 * A ShedLock {@link ExtensibleLockProvider} on the Redlock quorum: {@code @SchedulerLock} methods and
 * {@code LockingTaskExecutor} tasks are locked on a majority of independent Redis servers, not on one.
 * Works with ShedLock 6.x and 7.x, on its own or under ShedLock's {@code KeepAliveLockProvider}.
 *
 * <pre>{@code
 * @Bean
 * LockProvider lockProvider(Redlock redlock) {
 *     return new RedlockLockProvider(redlock);
 * }
 * }</pre>
 *
 * <p><b>Key.</b> A lock named {@code name} is the Redlock resource {@code name}: its Redis key is
 * the Redlock's key prefix ({@code redlock.key-prefix} in Spring Boot) followed by the name, the
 * same key that {@code @DistributedLock(resource = "name")} locks. Instances of one application on
 * {@code @SchedulerLock(name = "x")} and instances on {@code @DistributedLock(resource = "x")}
 * therefore exclude each other.
 *
 * <p><b>{@link #lock}</b> makes one lock call, as a scheduled {@code @DistributedLock} method does:
 * for {@code lockAtMostUntil - now} (ShedLock's {@link ClockProvider}), never waiting for a holder
 * (a lock held elsewhere is refused at once), retrying only split votes and unreachable nodes within
 * the Redlock's {@code retryCount} (each retry asks for the same TTL again, so a lock granted by a
 * retry may stand a little past {@code lockAtMostUntil}: by the time the call took). It returns
 * empty when the lock is held elsewhere, too few nodes
 * answered, less than 10 ms of {@code lockAtMostFor} is left, or less than the engine's
 * {@link RedlockOptions#minimumTtl()} (a Redlock lease that short would have little or no validity
 * after the clock-drift allowance), and when the grant arrives no longer {@link Lease#isUsable() usable}
 * (no more validity left than 1% of the TTL, at least 1 ms: the core's locked calls' rule): such a
 * grant is {@link Lease#abandon() abandoned}, its key deleted at once, whatever
 * {@code lockAtLeastFor} (the task never ran). Each lock has its own random value: only its holder
 * can release or extend it.
 *
 * <p><b>{@link SimpleLock#unlock()}</b> keeps the lock until {@code lockAtLeastUntil} through the
 * core's minimum hold ({@link LockRequest#withMinimumHold(Duration)}): before then it shortens the
 * key to expire at that time, after it deletes it; both only where the key still holds this lock's
 * value. Never throws, also not after the Redlock was closed (the lock then expires with its TTL): a
 * lock whose release failed expires with its TTL, and a lock whose shortening to
 * {@code lockAtLeastUntil} failed is deleted (owner-checked) when that time comes.
 *
 * <p><b>{@link SimpleLock#extend(Duration, Duration)}</b> renews the lock on a quorum for the new
 * {@code lockAtMostFor} ({@link Redlock#extend}) and returns the new lock, or empty when the lock has
 * expired, was taken over, or too few nodes answered; the old lock then ends as
 * {@link Lease#relinquish()} says: left to expire, valid or not (the task holding it may still
 * run). A lock's minimum hold is the later of
 * its grant's and its extension's {@code lockAtLeastUntil}.
 *
 * <p><b>Meters.</b> Each lock call is named ({@link LockRequest#withName(String)}) by its lock name,
 * which the starter's metrics and observations use as their {@code resource} tag. Names are bounded
 * per provider: the first {@value #DEFAULT_TAGGED_NAMES} distinct lock names (or the number given to
 * {@link #RedlockLockProvider(Redlock, int)}) name their calls; calls under any later name are named
 * {@value #OTHER_NAMES}, so that names made up at run time ({@code LockingTaskExecutor} tasks per order,
 * per tenant) do not create a meter series each. {@code @SchedulerLock} names, fixed in the code,
 * are normally among the first. The lock itself always uses the full name as its resource.
 */
public class RedlockLockProvider implements ExtensibleLockProvider {

    private static final System.Logger LOG = System.getLogger(RedlockLockProvider.class.getName());

    /**
     * Shorter leases are refused, as are leases shorter than the engine's {@link RedlockOptions#minimumTtl()}:
     * the drift allowance (2 ms plus 1% by default) would leave little or nothing.
     */
    static final Duration MIN_TTL = Duration.ofMillis(10);

    /** How many distinct lock names name their calls by default (see "Meters" in the class description). */
    public static final int DEFAULT_TAGGED_NAMES = 100;

    /** The name of calls under a lock name beyond the first {@link #DEFAULT_TAGGED_NAMES} (or as configured). */
    public static final String OTHER_NAMES = "other";

    private final Redlock redlock;
    private final int taggedNames;
    /** The lock names that name their calls; at most {@link #taggedNames}. */
    private final Set<String> named = ConcurrentHashMap.newKeySet();

    /**
     * A provider that locks on {@code redlock}, naming calls by the first
     * {@value #DEFAULT_TAGGED_NAMES} distinct lock names. The provider does not close it.
     *
     * @throws NullPointerException when {@code redlock} is null
     */
    public RedlockLockProvider(Redlock redlock) {
        this(redlock, DEFAULT_TAGGED_NAMES);
    }

    /**
     * A provider that locks on {@code redlock}, naming calls by the first {@code taggedNames}
     * distinct lock names and the rest {@value #OTHER_NAMES} (0: all of them). The provider does not
     * close {@code redlock}.
     *
     * @throws NullPointerException when {@code redlock} is null
     * @throws IllegalArgumentException when {@code taggedNames} is negative
     */
    public RedlockLockProvider(Redlock redlock, int taggedNames) {
        this.redlock = Objects.requireNonNull(redlock, "redlock");
        if (taggedNames < 0) {
            throw new IllegalArgumentException("taggedNames must not be negative, got " + taggedNames);
        }
        this.taggedNames = taggedNames;
    }

    /**
     * One lock call for {@code lockConfiguration.getName()}: see the class description.
     *
     * @return the lock, or empty when it was not acquired
     * @throws IllegalArgumentException for a name Redlock cannot use as a resource (blank, or with an
     *         unpaired surrogate character)
     * @throws IllegalStateException when the Redlock is closed
     */
    @Override
    public Optional<SimpleLock> lock(LockConfiguration lockConfiguration) {
        long startNanos = System.nanoTime();
        Instant now = ClockProvider.now();
        Duration ttl = Duration.between(now, lockConfiguration.getLockAtMostUntil());
        Duration minimumTtl = minimumTtl(redlock);
        if (ttl.compareTo(minimumTtl) < 0) {
            LOG.log(Level.WARNING, "Not locking ''{0}'': only {1} ms of lockAtMostFor left, less than the {2} ms a"
                    + " Redlock lease needs", lockConfiguration.getName(), ttl.toMillis(), minimumTtl.toMillis());
            return Optional.empty();
        }
        Duration hold = positive(Duration.between(now, lockConfiguration.getLockAtLeastUntil()));
        LockRequest request = LockRequest.of(lockConfiguration.getName(), ttl)
                .withName(tagName(lockConfiguration.getName()))
                // A task held elsewhere is that holder's: retrying could only run it twice.
                .withRetryWhenHeld(false)
                .withMinimumHold(hold);
        LockResult result = redlock.tryLock(request);
        if (!result.isAcquired()) {
            LOG.log(Level.DEBUG, "Not locked: {0}", result);
            return Optional.empty();
        }
        Lease lease = result.leaseOrThrow();
        if (!lease.isUsable()) {
            // The validity ran out (or nearly) before the grant reached this thread: the lock may
            // already be another instance's, so the task must not run under it.
            LOG.log(Level.WARNING, "Not locking ''{0}'': the grant had no validity left when it arrived ({1})",
                    lockConfiguration.getName(), lease);
            lease.abandon();
            return Optional.empty();
        }
        // The core's hold runs from the grant, which came after startNanos: it ends no earlier than this.
        long holdEndNanos = startNanos + hold.toNanos();
        return Optional.of(new RedlockSimpleLock(lockConfiguration, redlock, lease, holdEndNanos, holdEndNanos));
    }

    /** The name of a call under lock {@code name}: the name itself while within the bound, else {@link #OTHER_NAMES}. */
    String tagName(String name) {
        if (named.contains(name)) {
            return name;
        }
        synchronized (named) {
            if (named.size() < taggedNames) {
                named.add(name);
                return name;
            }
        }
        return OTHER_NAMES;
    }

    /** The shortest lockAtMostFor locked: the engine's minimum TTL, and at least {@link #MIN_TTL}. */
    static Duration minimumTtl(Redlock redlock) {
        Duration engine = redlock.options().minimumTtl();
        return engine.compareTo(MIN_TTL) > 0 ? engine : MIN_TTL;
    }

    static Duration positive(Duration duration) {
        return duration.isNegative() ? Duration.ZERO : duration;
    }

    @Override
    public String toString() {
        return "RedlockLockProvider[" + redlock + "]";
    }
}
