package io.github.redlock.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redlock.Lease;
import io.github.redlock.Redlock;
import io.github.redlock.test.RedisNode;
import java.time.Duration;
import java.util.ConcurrentModificationException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;
import org.springframework.integration.support.locks.DistributedLock;
import org.springframework.scheduling.concurrent.ConcurrentTaskScheduler;

/**
 * The {@link java.util.concurrent.locks.Lock} contract of {@link RedlockLockRegistry}'s locks as
 * Spring Integration's own registries keep it (owner thread, re-entrancy, unlock by a non-owner or
 * after expiry fails, timed and interruptible waits), on three real redis-server nodes; and the
 * quorum re-check of a re-entrant acquisition, which leader election relies on.
 */
class RedlockLockRegistryIntegrationTests extends TwoRegistriesOnThreeNodes {

    @Test
    void obtainReturnsOneLockPerKey() {
        assertThat(registry.obtain("a")).isSameAs(registry.obtain("a")).isNotSameAs(registry.obtain("b"));
        assertThatThrownBy(() -> registry.obtain(42)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theLockIsTheKeyUnderThePrefixThatDistributedLockUses() throws Exception {
        DistributedLock lock = registry.obtain("nightly-report");
        assertThat(lock.tryLock()).isTrue();
        try {
            for (RedisNode node : redis.nodes()) {
                assertThat(node.command("EXISTS", "app:nightly-report")).isEqualTo(1L);
            }
            // What @DistributedLock(resource = "nightly-report") asks the engine for: the same key.
            assertThat(other.tryLock("nightly-report", TTL).isAcquired()).isFalse();
        } finally {
            lock.unlock();
        }
        assertThat(other.tryLock("nightly-report", TTL).isAcquired()).isTrue();
    }

    @Test
    void theLockBelongsToTheThreadThatAcquiredIt() throws Exception {
        DistributedLock lock = registry.obtain("owned");
        lock.lock();
        try {
            assertThat(inOtherThread(() -> lock.tryLock())).isFalse();
            assertThat(inOtherThread(() -> {
                try {
                    lock.unlock();
                    return "unlocked";
                } catch (IllegalStateException e) {
                    return "refused";
                }
            })).isEqualTo("refused");
            assertThat(otherRegistry.obtain("owned").tryLock()).isFalse();
        } finally {
            lock.unlock();
        }
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalStateException.class);
        assertThat(inOtherThread(() -> {
            boolean acquired = lock.tryLock();
            lock.unlock();
            return acquired;
        })).isTrue();
    }

    @Test
    void theOwnerReentersAndHoldsUntilItsLastUnlock() throws Exception {
        DistributedLock lock = registry.obtain("reentrant");
        lock.lock();
        assertThat(lock.tryLock()).isTrue();
        assertThat(lock.tryLock(1, TimeUnit.SECONDS)).isTrue();
        lock.unlock();
        lock.unlock();
        assertThat(otherRegistry.obtain("reentrant").tryLock()).as("held until the last unlock").isFalse();
        lock.unlock();
        DistributedLock elsewhere = otherRegistry.obtain("reentrant");
        assertThat(elsewhere.tryLock()).isTrue();
        elsewhere.unlock();
    }

    @Test
    void unlockAfterTheLockExpiredFails() throws Exception {
        DistributedLock lock = registry.obtain("expiring");
        assertThat(lock.tryLock(Duration.ZERO, Duration.ofMillis(300))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.nodes().stream()
                .allMatch(node -> Long.valueOf(0).equals(node.command("EXISTS", "app:expiring"))));
        DistributedLock elsewhere = otherRegistry.obtain("expiring");
        assertThat(elsewhere.tryLock()).isTrue();

        assertThatThrownBy(lock::unlock).isInstanceOf(ConcurrentModificationException.class)
                .hasMessageContaining("validity had run out");
        assertThat(redlock.tryLock("expiring", TTL).isAcquired())
                .as("the expired unlock left the new holder's lock alone").isFalse();
        elsewhere.unlock();
    }

    @Test
    void tryLockWaitsAtMostItsTimeout() throws Exception {
        DistributedLock lock = registry.obtain("timed");
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
            DistributedLock mine = otherRegistry.obtain("timed");
            mine.lock();
            holding.countDown();
            try {
                letGo.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                mine.unlock();
            }
        });
        holding.await();
        assertThat(lock.tryLock(200, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(lock.tryLock()).isFalse();
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                boolean acquired = lock.tryLock(20, TimeUnit.SECONDS);
                if (acquired) {
                    lock.unlock();
                }
                return acquired;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        letGo.countDown();
        holder.get();
        assertThat(waiting.get()).as("acquired within its wait once the holder let go").isTrue();
    }

    @Test
    void lockInterruptiblyStopsWaitingWhenInterruptedAndHoldsNothing() throws Exception {
        DistributedLock held = otherRegistry.obtain("interruptible");
        held.lock();
        DistributedLock lock = registry.obtain("interruptible");
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                lock.lockInterruptibly();
                outcome.set(new AssertionError("acquired a held lock"));
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        waiter.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> waiter.getState() == Thread.State.TIMED_WAITING
                || waiter.getState() == Thread.State.WAITING);
        waiter.interrupt();
        waiter.join(10_000);
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        held.unlock();
        assertThat(inOtherThread(() -> {
            boolean acquired = lock.tryLock();
            lock.unlock();
            return acquired;
        })).as("nothing left held by the interrupted wait").isTrue();
    }

    @Test
    void lockWaitsThroughAQuorumOutage() throws Exception {
        redis.node(0).stop();
        redis.node(1).stop();
        DistributedLock lock = registry.obtain("outage");
        CompletableFuture<Boolean> locking = CompletableFuture.supplyAsync(() -> {
            lock.lock();
            boolean owner = ((RedlockLock) lock).isHeldByCurrentThread();
            lock.unlock();
            return owner;
        });
        // Still waiting after several failed attempts on the lone node.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !locking.isDone());
        redis.node(0).start();
        redis.node(1).start();
        assertThat(locking.get(20, TimeUnit.SECONDS)).as("acquired once the quorum returned").isTrue();
    }

    @Test
    void aReentrantTryLockRenewsOnTheQuorumAndReturnsFalseWhenTheQuorumIsLost() throws Exception {
        DistributedLock lock = registry.obtain("leader");
        assertThat(lock.tryLock()).isTrue();
        assertThat(lock.tryLock(100, TimeUnit.MILLISECONDS)).as("re-entry with the quorum up").isTrue();
        lock.unlock();

        redis.node(1).stop();
        redis.node(2).stop();
        assertThat(lock.tryLock(100, TimeUnit.MILLISECONDS)).as("re-entry with 2 of 3 nodes down").isFalse();
        // The hold ended whole: this thread no longer owns the lock, another may take it once nodes return.
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalStateException.class);
        redis.node(1).start();
        redis.node(2).start();
        DistributedLock elsewhere = otherRegistry.obtain("leader");
        assertThat(elsewhere.tryLock(Duration.ofSeconds(5), TTL)).isTrue();
        elsewhere.unlock();
    }

    @Test
    void aReentrantTryLockReturnsFalseOnceAnotherHolderTookTheExpiredLock() throws Exception {
        DistributedLock lock = registry.obtain("paused");
        assertThat(lock.tryLock(Duration.ZERO, Duration.ofMillis(300))).isTrue();
        DistributedLock elsewhere = otherRegistry.obtain("paused");
        // As for a holder paused past its TTL: another takes the lock.
        assertThat(elsewhere.tryLock(Duration.ofSeconds(10), TTL)).isTrue();
        assertThat(lock.tryLock()).as("the re-entry sees the lock is gone").isFalse();
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalStateException.class);
        assertThat(otherRegistry.obtain("paused").tryLock(Duration.ZERO, TTL)).as("still the new holder's").isTrue();
        elsewhere.unlock();
        elsewhere.unlock();
    }

    @Test
    void aReentrantLockThrowsWhenItsRenewalFails() {
        DistributedLock lock = registry.obtain("lost");
        lock.lock();
        redis.node(0).stop();
        redis.node(1).stop();
        assertThatThrownBy(lock::lock).isInstanceOf(IllegalStateException.class).hasMessageContaining("was lost");
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void renewLockNeedsTheHolderAndTheQuorum() throws Exception {
        assertThatThrownBy(() -> registry.renewLock("renewed")).isInstanceOf(IllegalStateException.class);
        DistributedLock lock = registry.obtain("renewed");
        assertThat(lock.tryLock(Duration.ZERO, Duration.ofSeconds(2))).isTrue();
        registry.renewLock("renewed", Duration.ofSeconds(30));
        // A renewal returns once a quorum answered: the third node's key may land just after.
        for (RedisNode node : redis.nodes()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> (Long) node.command("PTTL", "app:renewed") > 2_000L);
        }
        assertThat(inOtherThread(() -> {
            try {
                registry.renewLock("renewed");
                return "renewed";
            } catch (IllegalStateException e) {
                return "refused";
            }
        })).isEqualTo("refused");
        redis.node(0).stop();
        redis.node(2).stop();
        assertThatThrownBy(() -> registry.renewLock("renewed")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is lost");
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalStateException.class);
    }

    /**
     * A renewal to a much shorter TTL keeps the lock: the lease is usable while more than 1% of the
     * new TTL is left, not 1% of the first one (6 s of a 10 min lock, more than a 5 s renewal leaves).
     */
    @Test
    void renewLockToAMuchShorterTtlKeepsTheLock() throws Exception {
        DistributedLock lock = registry.obtain("shortened");
        assertThat(lock.tryLock(Duration.ZERO, Duration.ofMinutes(10))).isTrue();

        assertThatCode(() -> registry.renewLock("shortened", Duration.ofSeconds(5))).as("a renewal from 10 min to 5 s")
                .doesNotThrowAnyException();

        assertThat(registry.heldLease("shortened").orElseThrow().isUsable()).as("usable after the renewal").isTrue();
        lock.unlock();
    }

    @Test
    void keepAliveFromARenewalSchedulerOutlivesTheTtl() throws Exception {
        registry.setRenewalTaskScheduler(new ConcurrentTaskScheduler(Executors.newSingleThreadScheduledExecutor()));
        DistributedLock lock = registry.obtain("kept");
        assertThat(lock.tryLock(Duration.ZERO, Duration.ofMillis(300))).isTrue();
        long acquired = System.nanoTime();
        // Still held by a quorum after several TTLs: the keep-alive renewed it.
        await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() - acquired > Duration.ofMillis(1_200).toNanos());
        assertThat(otherRegistry.obtain("kept").tryLock()).isFalse();
        lock.unlock();
    }

    @Test
    void theCacheIsBoundedAndNeverDropsAHeldLock() throws Exception {
        registry.setCacheCapacity(2);
        DistributedLock held = registry.obtain("one");
        held.lock();
        registry.obtain("two");
        registry.obtain("three");
        assertThat(registry.cachedLocks()).isEqualTo(2);
        assertThat(registry.obtain("one")).as("held, so kept").isSameAs(held);
        held.unlock();
        registry.expireUnusedOlderThan(-1);
        assertThat(registry.cachedLocks()).isZero();
    }

    /**
     * A lock object dropped from the cache between {@code obtain} and {@code lock} (capacity 2, two
     * other keys obtained in between) still shares its hold with whatever {@code obtain} returns for
     * the key afterwards: the owner thread re-enters, and another thread of the process waits.
     */
    @Test
    void aLockDroppedFromTheCacheBeforeItWasLockedStaysReentrant() throws Exception {
        DistributedLock first = droppedFromTheCache("evicted");
        first.lock();
        try {
            DistributedLock again = registry.obtain("evicted");
            assertThat(again.tryLock()).as("the owner re-enters through the object obtain returns now").isTrue();
            again.unlock();
            assertThat(inOtherThread(() -> registry.obtain("evicted").tryLock()))
                    .as("another thread of this process does not get it").isFalse();
        } finally {
            first.unlock();
        }
        assertThat(other.tryLock("evicted", TTL).isAcquired()).as("released by the last unlock").isTrue();
    }

    /** The same when a new object was obtained for the key before the dropped one was locked. */
    @Test
    void aDroppedLockAndItsReplacementShareOneHold() throws Exception {
        DistributedLock dropped = droppedFromTheCache("replaced");
        DistributedLock replacement = registry.obtain("replaced");
        dropped.lock();
        try {
            assertThat(replacement.tryLock()).as("the owner re-enters through the replacement").isTrue();
            replacement.unlock();
            assertThat(registry.obtain("replaced").tryLock()).as("and through what obtain returns now").isTrue();
            registry.obtain("replaced").unlock();
        } finally {
            dropped.unlock();
        }
        assertThat(other.tryLock("replaced", TTL).isAcquired()).as("released by the last unlock").isTrue();
    }

    /**
     * The owner re-enters through a dropped lock object while another thread of the process is
     * passing through that same object (here held inside the registry's cache lookup): the re-entry
     * does not depend on the dropped object's own local lock, and so never reports the lock as not
     * held by its owner.
     */
    @Test
    void theOwnerReentersThroughADroppedLockWhileAnotherThreadPassesThroughIt() throws Exception {
        DistributedLock dropped = droppedFromTheCache("passed");
        DistributedLock replacement = registry.obtain("passed");
        replacement.lock();
        try {
            CompletableFuture<Boolean> passing = new CompletableFuture<>();
            Thread passer = new Thread(() -> passing.complete(dropped.tryLock()), "passing-through");
            passer.setDaemon(true);
            synchronized (cacheMonitor(registry)) {
                passer.start();
                // The other thread is inside the dropped object's tryLock(), waiting for the cache.
                await().atMost(Duration.ofSeconds(10)).until(() -> passer.getState() == Thread.State.BLOCKED);
                assertThat(dropped.tryLock()).as("the owner's re-entry through the dropped object").isTrue();
            }
            assertThat(passing.get(20, TimeUnit.SECONDS)).as("the other thread does not get it").isFalse();
            dropped.unlock();
            assertThat(registry.heldLease("passed")).as("still held once").isPresent();
        } finally {
            replacement.unlock();
        }
        assertThat(other.tryLock("passed", TTL).isAcquired()).as("released by the last unlock").isTrue();
    }

    /** The lock of {@code key}, dropped from the cache (capacity 2) by obtaining two other keys after it. */
    private DistributedLock droppedFromTheCache(String key) {
        registry.setCacheCapacity(2);
        DistributedLock dropped = registry.obtain(key);
        registry.obtain("two");
        registry.obtain("three");
        return dropped;
    }

    /** The registry's cache monitor, which the test holds to stop a thread inside a cache lookup. */
    private static Object cacheMonitor(RedlockLockRegistry registry) throws ReflectiveOperationException {
        java.lang.reflect.Field monitor = RedlockLockRegistry.class.getDeclaredField("monitor");
        monitor.setAccessible(true);
        return monitor.get(registry);
    }

    /** The holder thread reads its lease, and with fencing on its token; re-entry keeps both. */
    @Test
    void theHolderReadsItsLeaseAndFencingToken() throws Exception {
        // The nodes start without fencing counters: no quarantine, or the first tokens wait for it.
        try (Redlock fencedEngine = Redlock.builder().servers(redis.uris()).keyPrefix("app:")
                .timeout(Duration.ofMillis(300)).fencingQuarantine(Duration.ZERO).build()) {
            readsItsLeaseAndFencingToken(new RedlockLockRegistry(fencedEngine, TTL));
        }
    }

    private static void readsItsLeaseAndFencingToken(RedlockLockRegistry registry) throws Exception {
        registry.setFencing(true);
        DistributedLock lock = registry.obtain("fenced");
        assertThat(registry.heldLease("fenced")).as("not held").isEmpty();
        lock.lock();
        long first;
        try {
            Lease lease = registry.heldLease("fenced").orElseThrow();
            assertThat(lease.resource()).isEqualTo("fenced");
            assertThat(lease.isValid()).isTrue();
            first = lease.fencingToken().orElseThrow();
            assertThat(lock.tryLock()).isTrue();
            assertThat(registry.heldLease("fenced")).as("re-entry keeps the lease").containsSame(lease);
            lock.unlock();
            assertThat(inOtherThread(() -> registry.heldLease("fenced"))).as("another thread holds nothing").isEmpty();
            assertThat(registry.heldLease(42)).isEmpty();
        } finally {
            lock.unlock();
        }
        assertThat(registry.heldLease("fenced")).as("after the last unlock").isEmpty();
        lock.lock();
        try {
            assertThat(registry.heldLease("fenced").orElseThrow().fencingToken().orElseThrow())
                    .as("the next holder's token").isGreaterThan(first);
        } finally {
            lock.unlock();
        }
        registry.setFencing(false);
        lock.lock();
        try {
            assertThat(registry.heldLease("fenced").orElseThrow().fencingToken()).as("unfenced").isEmpty();
            registry.setFencing(true);
            assertThat(lock.tryLock()).isTrue();
            lock.unlock();
            assertThat(registry.heldLease("fenced").orElseThrow().fencingToken())
                    .as("turned on while held: the held lock keeps its unfenced lease through re-entry").isEmpty();
        } finally {
            lock.unlock();
        }
        lock.lock();
        try {
            assertThat(registry.heldLease("fenced").orElseThrow().fencingToken()).as("the next first acquisition")
                    .isPresent();
        } finally {
            lock.unlock();
        }
    }

    @Test
    void conditionsAreNotSupported() {
        Lock lock = registry.obtain("condition");
        assertThatThrownBy(lock::newCondition).isInstanceOf(UnsupportedOperationException.class);
    }

    private static <T> T inOtherThread(Callable<T> task) throws Exception {
        CompletableFuture<T> future = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                future.complete(task.call());
            } catch (Throwable e) {
                future.completeExceptionally(e);
            }
        });
        thread.start();
        try {
            return future.get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
