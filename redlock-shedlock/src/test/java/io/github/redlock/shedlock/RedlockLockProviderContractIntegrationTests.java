package io.github.redlock.shedlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redlock.Redlock;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The provider contract ShedLock publishes for its own providers ({@code AbstractLockProviderIntegrationTest},
 * {@code AbstractExtensibleLockProviderIntegrationTest} and {@code FuzzTester} in shedlock-test-support,
 * which is not published to Maven Central), test by test under the same names, over three real
 * redis-server nodes. Where ShedLock's tests sleep, these wait for the keys on the nodes (bounded
 * polls) or read their TTL; "locked" means the key stands on a quorum, "unlocked" on no node. Also
 * what ShedLock's Redis provider checks only with {@code safeUpdate}: an expired lock's holder
 * cannot unlock or extend the next holder's lock. Runs on ShedLock 7.x and, in the
 * {@code shedlock-6} execution, on 6.x.
 */
@Timeout(120)
class RedlockLockProviderContractIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    static final String PREFIX = "shed:";
    static final String LOCK_NAME1 = "name";
    static final Duration LOCK_AT_LEAST_FOR = Duration.ofSeconds(2);

    private final List<Redlock> opened = new ArrayList<>();
    private final ExecutorService executor = Executors.newFixedThreadPool(8);

    @AfterEach
    void closeAll() {
        executor.shutdownNow();
        opened.forEach(Redlock::close);
    }

    /** One application instance: its own Redlock over the three nodes. */
    private Redlock instance() {
        Redlock redlock = Redlock.builder().servers(redis.uris()).keyPrefix(PREFIX).timeout(Duration.ofMillis(250)).build();
        opened.add(redlock);
        return redlock;
    }

    private LockProvider provider() {
        return new RedlockLockProvider(instance());
    }

    static LockConfiguration lockConfig(String name) {
        return lockConfig(name, Duration.ofMinutes(5), Duration.ZERO);
    }

    static LockConfiguration lockConfig(String name, Duration lockAtMostFor, Duration lockAtLeastFor) {
        return new LockConfiguration(ClockProvider.now(), name, lockAtMostFor, lockAtLeastFor);
    }

    /** On how many nodes the lock's key stands. */
    static int nodesHolding(String lockName) {
        int count = 0;
        for (int i = 0; i < 3; i++) {
            if (Long.valueOf(1).equals(redis.node(i).command("EXISTS", PREFIX + lockName))) {
                count++;
            }
        }
        return count;
    }

    static void assertLocked(String lockName) {
        assertThat(nodesHolding(lockName)).as("nodes holding '%s'", lockName).isGreaterThanOrEqualTo(2);
    }

    static void assertUnlocked(String lockName) {
        assertThat(nodesHolding(lockName)).as("nodes holding '%s'", lockName).isZero();
    }

    static void awaitUnlocked(String lockName, Duration bound) {
        await().atMost(bound).pollInterval(Duration.ofMillis(10)).until(() -> nodesHolding(lockName) == 0);
    }

    /** A lock call returns once a quorum granted it: the third node's SET may still be on its way. */
    static void awaitOnAllNodes(String lockName) {
        redis.nodes().awaitOnAll(PREFIX + lockName, Duration.ofSeconds(5));
    }

    /** The key's time to live in ms on each node that has it. */
    static List<Long> pttls(String lockName) {
        List<Long> pttls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Object pttl = redis.node(i).command("PTTL", PREFIX + lockName);
            if (pttl instanceof Long millis && millis >= 0) {
                pttls.add(millis);
            }
        }
        return pttls;
    }

    @Test
    void runsOnTheExpectedShedLockVersion() {
        String expected = System.getProperty("expected.shedlock.version");
        String jar = String.valueOf(LockProvider.class.getProtectionDomain().getCodeSource().getLocation());
        if (expected != null) {
            assertThat(jar).as("the shedlock-core jar on the class path").endsWith("shedlock-core-" + expected + ".jar");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // AbstractLockProviderIntegrationTest

    @Test
    void shouldCreateLock() {
        Optional<SimpleLock> lock = provider().lock(lockConfig(LOCK_NAME1));
        assertThat(lock).isNotEmpty();

        assertLocked(LOCK_NAME1);
        lock.get().unlock();
        assertUnlocked(LOCK_NAME1);
    }

    @Test
    void shouldNotReturnSecondLock() {
        LockProvider lockProvider = provider();
        Optional<SimpleLock> lock = lockProvider.lock(lockConfig(LOCK_NAME1));
        assertThat(lock).isNotEmpty();
        assertThat(lockProvider.lock(lockConfig(LOCK_NAME1))).as("the same instance again").isEmpty();
        assertThat(provider().lock(lockConfig(LOCK_NAME1))).as("another instance").isEmpty();
        lock.get().unlock();
    }

    @Test
    void shouldCreateTwoIndependentLocks() {
        LockProvider lockProvider = provider();
        Optional<SimpleLock> lock1 = lockProvider.lock(lockConfig(LOCK_NAME1));
        assertThat(lock1).isNotEmpty();

        Optional<SimpleLock> lock2 = lockProvider.lock(lockConfig("name2"));
        assertThat(lock2).isNotEmpty();

        lock1.get().unlock();
        lock2.get().unlock();
        assertUnlocked(LOCK_NAME1);
        assertUnlocked("name2");
    }

    @Test
    void shouldLockTwiceInARow() {
        LockProvider lockProvider = provider();
        Optional<SimpleLock> lock1 = lockProvider.lock(lockConfig(LOCK_NAME1));
        assertThat(lock1).isNotEmpty();
        lock1.get().unlock();

        Optional<SimpleLock> lock2 = lockProvider.lock(lockConfig(LOCK_NAME1));
        assertThat(lock2).isNotEmpty();
        lock2.get().unlock();
    }

    @Test
    void shouldTimeout() {
        LockProvider lockProvider = provider();
        Optional<SimpleLock> lock1 = lockProvider.lock(lockConfig(LOCK_NAME1, Duration.ofMillis(50), Duration.ZERO));
        assertThat(lock1).isNotEmpty();

        awaitUnlocked(LOCK_NAME1, Duration.ofSeconds(5));

        Optional<SimpleLock> lock2 = provider().lock(lockConfig(LOCK_NAME1, Duration.ofMillis(50), Duration.ZERO));
        assertThat(lock2).isNotEmpty();
        lock2.get().unlock();
    }

    @Test
    void shouldBeAbleToLockRightAfterUnlock() {
        LockProvider lockProvider = provider();
        LockConfiguration lockConfiguration = lockConfig(LOCK_NAME1);
        for (int i = 0; i < 10; i++) {
            Optional<SimpleLock> lock = lockProvider.lock(lockConfiguration);
            assertThat(lock).describedAs("Successfully locked").isNotEmpty();
            assertThat(lockProvider.lock(lockConfiguration)).isEmpty();
            lock.get().unlock();
        }
    }

    @Test
    void shouldLockAtLeastFor() {
        LockProvider lockProvider = provider();
        Optional<SimpleLock> lock1 = lockProvider.lock(lockConfig(LOCK_NAME1, LOCK_AT_LEAST_FOR.multipliedBy(2),
                LOCK_AT_LEAST_FOR));
        assertThat(lock1).describedAs("Should be locked").isNotEmpty();
        lock1.get().unlock();

        // Even though we have unlocked the lock, it will be held for some time: shortened to lockAtLeastFor.
        assertLocked(LOCK_NAME1);
        // Cut on a quorum when unlock returns; the third node's command may still be on its way.
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(pttls(LOCK_NAME1)).as("PTTL after unlock")
                .allSatisfy(pttl -> assertThat(pttl).isBetween(1L, LOCK_AT_LEAST_FOR.toMillis())));
        assertThat(provider().lock(lockConfig(LOCK_NAME1))).describedAs("Can not acquire lock, grace period did not"
                + " pass yet").isEmpty();

        awaitUnlocked(LOCK_NAME1, LOCK_AT_LEAST_FOR.plusSeconds(3));
        Optional<SimpleLock> lock3 = provider().lock(lockConfig(LOCK_NAME1));
        assertThat(lock3).describedAs("Can acquire the lock after grace period").isNotEmpty();
        lock3.get().unlock();
    }

    /** ShedLock's FuzzTester: 8 threads, two jobs, unsynchronised read-sleep-write counters, exact counts. */
    @Test
    void fuzzTestShouldPass() throws Exception {
        int threads = 8;
        int iterations = 100;
        int shortIteration = 10;
        // Four application instances, two threads each.
        List<LockProvider> providers = IntStream.range(0, 4).mapToObj(i -> provider()).toList();
        Job job1 = new Job("lock1");
        Job job2 = new Job("lock2");
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int runs = i == 0 ? shortIteration : iterations;
            Job job = i % 2 == 0 ? job1 : job2;
            LockProvider lockProvider = providers.get(i / 2);
            tasks.add(() -> {
                for (int done = 0; done < runs;) {
                    Optional<SimpleLock> lock = lockProvider.lock(job.lockConfiguration());
                    if (lock.isPresent()) {
                        int n = job.counter.get();
                        Thread.sleep(1);
                        job.counter.set(n + 1);
                        lock.get().unlock();
                        done++;
                    }
                }
                return null;
            });
        }
        for (Future<Void> future : executor.invokeAll(tasks)) {
            future.get();
        }

        assertThat(job2.counter.get()).as("job2's counter").isEqualTo(threads / 2 * iterations);
        assertThat(job1.counter.get()).as("job1's counter").isEqualTo((threads / 2 - 1) * iterations + shortIteration);
    }

    private static final class Job {
        final String name;
        /** Read and written separately (volatile, never atomically): only the lock keeps it exact. */
        final AtomicInteger counter = new AtomicInteger();

        Job(String name) {
            this.name = name;
        }

        LockConfiguration lockConfiguration() {
            return lockConfig(name, Duration.ofMinutes(5), Duration.ofMillis(5));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // AbstractExtensibleLockProviderIntegrationTest

    private SimpleLock lock(LockProvider lockProvider, Duration lockAtMostFor) {
        Optional<SimpleLock> lock = lockProvider.lock(lockConfig(LOCK_NAME1, lockAtMostFor, Duration.ZERO));
        assertThat(lock).isNotEmpty();
        assertLocked(LOCK_NAME1);
        return lock.get();
    }

    private static SimpleLock extendLock(SimpleLock lock) {
        Optional<SimpleLock> newLock = lock.extend(Duration.ofSeconds(10), Duration.ofSeconds(9));
        assertThat(newLock).isNotEmpty();
        return newLock.get();
    }

    @Test
    void shouldBeAbleToExtendLock() {
        SimpleLock lock = lock(provider(), Duration.ofSeconds(2));

        Optional<SimpleLock> newLock = lock.extend(Duration.ofSeconds(10), Duration.ZERO);
        assertThat(newLock).isNotEmpty();

        // Instead of sleeping past the original 2 s: the keys now live for the extension's 10 s (the
        // call returns once a quorum answered; the third node's reply may still be on its way).
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(pttls(LOCK_NAME1)).as("PTTL after extending")
                .hasSize(3).allSatisfy(pttl -> assertThat(pttl)
                        .isBetween(Duration.ofSeconds(2).toMillis() + 1, Duration.ofSeconds(10).toMillis())));
        assertLocked(LOCK_NAME1);
        newLock.get().unlock();
        assertUnlocked(LOCK_NAME1);
    }

    @Test
    void shouldNotBeAbleToExtendUnlockedLock() {
        SimpleLock lock = lock(provider(), Duration.ofSeconds(2));
        lock.unlock();
        assertUnlocked(LOCK_NAME1);
        assertThatThrownBy(() -> lock.extend(Duration.ofSeconds(10), Duration.ZERO))
                .isInstanceOf(IllegalStateException.class);
    }

    /** ShedLock's test locks for 1 ms: a Redlock lease needs at least 10 ms, so this one locks for 50 ms. */
    @Test
    void shouldNotBeAbleToExtendExpiredLock() {
        Optional<SimpleLock> lock = provider().lock(lockConfig(LOCK_NAME1, Duration.ofMillis(50), Duration.ZERO));
        assertThat(lock).isNotEmpty();
        awaitUnlocked(LOCK_NAME1, Duration.ofSeconds(5));

        Optional<SimpleLock> newLock = lock.get().extend(Duration.ofSeconds(10), Duration.ZERO);
        assertThat(newLock).isEmpty();
        assertUnlocked(LOCK_NAME1);
    }

    @Test
    void shouldBeAbleToExtendAtLeast() {
        SimpleLock lock = lock(provider(), Duration.ofSeconds(10));

        SimpleLock newLock = extendLock(lock);
        newLock.unlock();
        assertLocked(LOCK_NAME1);
        // Cut on a quorum when unlock returns; the third node's command may still be on its way.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(pttls(LOCK_NAME1))
                .as("PTTL after unlocking a lock extended with lockAtLeastFor 9 s")
                .allSatisfy(pttl -> assertThat(pttl).isBetween(1L, Duration.ofSeconds(9).toMillis())));
    }

    @Test
    void lockCanNotBeExtendedTwice() {
        SimpleLock lock = lock(provider(), Duration.ofSeconds(10));
        extendLock(lock);

        assertThatThrownBy(() -> lock.extend(Duration.ofSeconds(10), Duration.ofSeconds(9)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void lockCanNotBeUnlockedAfterExtending() {
        SimpleLock lock = lock(provider(), Duration.ofSeconds(10));
        extendLock(lock);

        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalStateException.class);
    }

    // ---------------------------------------------------------------------------------------------
    // Ownership (ShedLock's Redis provider checks it only with safeUpdate)

    @Test
    void anExpiredLockCannotUnlockTheNextHoldersLock() {
        Optional<SimpleLock> expired = provider().lock(lockConfig(LOCK_NAME1, Duration.ofMillis(50), Duration.ZERO));
        assertThat(expired).isNotEmpty();
        awaitUnlocked(LOCK_NAME1, Duration.ofSeconds(5));
        Optional<SimpleLock> next = provider().lock(lockConfig(LOCK_NAME1));
        assertThat(next).as("the next holder's lock").isNotEmpty();
        awaitOnAllNodes(LOCK_NAME1);

        expired.get().unlock();

        assertThat(nodesHolding(LOCK_NAME1)).as("nodes still holding the next holder's lock").isEqualTo(3);
        next.get().unlock();
        assertUnlocked(LOCK_NAME1);
    }

    @Test
    void anExpiredLockCannotExtendTheNextHoldersLock() {
        Optional<SimpleLock> expired = provider().lock(lockConfig(LOCK_NAME1, Duration.ofMillis(50), Duration.ZERO));
        assertThat(expired).isNotEmpty();
        awaitUnlocked(LOCK_NAME1, Duration.ofSeconds(5));
        Optional<SimpleLock> next = provider().lock(lockConfig(LOCK_NAME1, Duration.ofSeconds(5), Duration.ZERO));
        assertThat(next).as("the next holder's lock").isNotEmpty();
        awaitOnAllNodes(LOCK_NAME1);

        assertThat(expired.get().extend(Duration.ofMinutes(5), Duration.ZERO)).as("the expired lock, extended").isEmpty();

        assertThat(pttls(LOCK_NAME1)).as("PTTL of the next holder's lock").hasSize(3)
                .allSatisfy(pttl -> assertThat(pttl).isBetween(1L, Duration.ofSeconds(5).toMillis()));
        next.get().unlock();
    }

    @Test
    void aLockWithLessThanTenMillisecondsLeftIsNotAcquired() {
        assertThat(provider().lock(lockConfig(LOCK_NAME1, Duration.ofMillis(1), Duration.ZERO))).isEmpty();
        assertUnlocked(LOCK_NAME1);
    }
}
