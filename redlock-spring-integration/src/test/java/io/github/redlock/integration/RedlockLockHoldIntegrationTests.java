package io.github.redlock.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.RedlockListener;
import io.github.redlock.test.RedisNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.springframework.integration.support.locks.DistributedLock;

/**
 * How long a {@link RedlockLockRegistry} lock keeps its key, on three real redis-server nodes: a
 * closed Redlock, a nested acquisition with a shorter TTL, a failed re-entrant renewal and an
 * interrupted thread never free a key whose work may still run; a grant whose validity already ran
 * out is never handed out.
 */
class RedlockLockHoldIntegrationTests extends TwoRegistriesOnThreeNodes {

    @Test
    void closingTheRedlockLeavesAHeldLockToItsHolder() throws Exception {
        DistributedLock lock = registry.obtain("closing");
        assertThat(lock.tryLock()).isTrue();
        List<Object> before = redis.nodes().awaitOnAll("app:closing", Duration.ofSeconds(5));

        redlock.close();

        assertThat(redis.nodes().values("app:closing")).as("the holders of the key after close").isEqualTo(before);
        assertThat(otherRegistry.obtain("closing").tryLock()).as("another instance while the work may still run").isFalse();
    }

    @Test
    void aNestedLockWithAShorterTtlNeverShortensTheOuterLock() throws Exception {
        DistributedLock lock = registry.obtain("nested");
        assertThat(lock.tryLock(Duration.ofSeconds(1), Duration.ofMinutes(30))).isTrue();
        lock.lock(); // the registry's default TTL, 10 s
        try {
            for (RedisNode node : redis.nodes()) {
                assertThat((Long) node.command("PTTL", "app:nested")).as("PTTL after the nested lock()")
                        .isGreaterThan(Duration.ofMinutes(29).toMillis());
            }
        } finally {
            lock.unlock();
        }
        assertThat(lock.tryLock(Duration.ZERO, Duration.ofSeconds(5))).as("a nested tryLock with a shorter TTL").isTrue();
        lock.unlock();
        for (RedisNode node : redis.nodes()) {
            assertThat((Long) node.command("PTTL", "app:nested")).isGreaterThan(Duration.ofMinutes(29).toMillis());
        }
        lock.unlock();
        assertThat(redis.nodes().values("app:nested")).containsOnlyNulls();
    }

    @Test
    void aGrantWhoseValidityRanOutIsNotHandedOut() throws Exception {
        AtomicBoolean stall = new AtomicBoolean(true);
        redlock.addListener(new RedlockListener() {
            @Override
            public Consumer<LockResult> acquiring(LockRequest request) {
                return result -> {
                    if (result.isAcquired() && stall.getAndSet(false)) {
                        // As for a pause between the grant and the caller: the validity runs out.
                        await().atMost(Duration.ofSeconds(10)).until(() -> !result.leaseOrThrow().isValid());
                    }
                };
            }
        });
        DistributedLock lock = registry.obtain("stalled");
        assertThat(lock.tryLock(Duration.ZERO, Duration.ofMillis(200))).as("tryLock of a grant already expired").isFalse();
        assertThat(redis.nodes().values("app:stalled")).as("released").containsOnlyNulls();
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalStateException.class);

        stall.set(true);
        lock.lock(Duration.ofMillis(200));
        assertThat(stall).as("lock() got the stalled grant first, then tried again").isFalse();
        lock.unlock();
    }

    @Test
    void aFailedReentrantRenewalLeavesTheStillValidLockToExpire() throws Exception {
        DistributedLock lock = registry.obtain("renewal");
        assertThat(lock.tryLock()).isTrue();
        Object value = redis.node(0).command("GET", "app:renewal");
        redis.node(1).stop();
        redis.node(2).stop();
        assertThat(lock.tryLock()).as("re-entry with 2 of 3 nodes down").isFalse();
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalStateException.class);
        assertThat(redis.node(0).command("GET", "app:renewal")).as("the key on the node still reachable").isEqualTo(value);
        redis.node(1).start();
        redis.node(2).start();
    }

    @Test
    void aReentrantTryLockIgnoresTheInterruptFlagAsReentrantLockDoes() throws Exception {
        DistributedLock lock = registry.obtain("interrupted");
        assertThat(lock.tryLock()).isTrue();
        Thread.currentThread().interrupt();
        boolean reentered = lock.tryLock();
        assertThat(Thread.interrupted()).as("the interrupt flag is kept").isTrue();
        assertThat(reentered).as("re-entrant tryLock() on an interrupted thread").isTrue();
        lock.unlock();
        lock.unlock();
        assertThat(redis.nodes().values("app:interrupted")).containsOnlyNulls();
    }

    @Test
    void unlockOnAnInterruptedThreadReleasesWithoutThrowing() throws Exception {
        DistributedLock lock = registry.obtain("unlocked");
        lock.lock();
        Thread.currentThread().interrupt();
        try {
            lock.unlock();
        } finally {
            assertThat(Thread.interrupted()).as("the interrupt flag is kept").isTrue();
        }
        assertThat(redis.nodes().values("app:unlocked")).containsOnlyNulls();
        assertThat(otherRegistry.obtain("unlocked").tryLock(1, TimeUnit.SECONDS)).isTrue();
    }
}
