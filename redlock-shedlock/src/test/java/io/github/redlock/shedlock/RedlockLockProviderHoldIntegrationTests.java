package io.github.redlock.shedlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.Redlock;
import io.github.redlock.RedlockListener;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How long a {@link RedlockLockProvider} lock keeps its key when things go wrong, on three real
 * redis-server nodes: a closed Redlock leaves a task's lock to it, an unlock after close never
 * throws, a grant whose validity already ran out is not handed out, and a {@code lockAtMostFor}
 * below the engine's minimum TTL is declined rather than thrown.
 */
@Timeout(60)
class RedlockLockProviderHoldIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3).withProxies();

    private static final String PREFIX = "hold:";

    private final List<Redlock> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(Redlock::close);
    }

    private Redlock instance(double driftFactor) {
        Redlock redlock = Redlock.builder().servers(redis.uris()).keyPrefix(PREFIX).timeout(Duration.ofMillis(250))
                .driftFactor(driftFactor).build();
        opened.add(redlock);
        return redlock;
    }

    private Redlock instance() {
        return instance(0.01);
    }

    private static LockConfiguration config(String name, Duration lockAtMostFor, Duration lockAtLeastFor) {
        return new LockConfiguration(ClockProvider.now(), name, lockAtMostFor, lockAtLeastFor);
    }

    @Test
    void closingTheRedlockLeavesATaskItsLock() {
        Redlock redlock = instance();
        SimpleLock lock = new RedlockLockProvider(redlock).lock(config("closing", Duration.ofSeconds(30), Duration.ZERO))
                .orElseThrow();
        List<Object> before = redis.nodes().awaitOnAll(PREFIX + "closing", Duration.ofSeconds(10));

        redlock.close();

        assertThat(redis.nodes().values(PREFIX + "closing")).as("the holders of the key after close").isEqualTo(before);
        assertThat(new RedlockLockProvider(instance()).lock(config("closing", Duration.ofSeconds(30), Duration.ZERO)))
                .as("another instance while the task may still run").isEmpty();
        lock.unlock(); // after close: nothing to do, and it does not throw
        assertThat(redis.nodes().values(PREFIX + "closing")).isEqualTo(before);
    }

    @Test
    void unlockingAnExtendedLockAfterCloseNeverThrows() {
        Redlock redlock = instance();
        SimpleLock lock = new RedlockLockProvider(redlock).lock(config("extended", Duration.ofSeconds(30), Duration.ZERO))
                .orElseThrow();
        SimpleLock extended = lock.extend(Duration.ofSeconds(30), Duration.ofSeconds(5)).orElseThrow();
        redlock.close();

        extended.unlock();

        assertThat(redis.nodes().values(PREFIX + "extended")).doesNotContainNull();
    }

    @Test
    void aLockWhoseShorteningFailedIsDeletedWhenItsLockAtLeastUntilComes() {
        Redlock redlock = Redlock.builder().servers(redis.proxiedUris()).keyPrefix(PREFIX).timeout(Duration.ofMillis(250))
                .reconnectInterval(Duration.ofMillis(100)).build();
        opened.add(redlock);
        SimpleLock lock = new RedlockLockProvider(redlock).lock(config("shortening", Duration.ofSeconds(60), Duration.ZERO))
                .orElseThrow();
        SimpleLock extended = lock.extend(Duration.ofSeconds(60), Duration.ofSeconds(2)).orElseThrow();
        for (int i = 0; i < 3; i++) {
            redis.proxy(i).blackhole();
        }
        extended.unlock(); // its shortening to lockAtLeastUntil times out on every node
        for (int i = 0; i < 3; i++) {
            redis.proxy(i).pass();
            redis.proxy(i).resetConnections();
        }
        // Not standing until its 60 s TTL: deleted once lockAtLeastUntil has passed.
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> assertThat(redis.nodes().values(PREFIX + "shortening")).containsOnlyNulls());
    }

    @Test
    void aGrantWhoseValidityRanOutIsNotHandedOut() {
        Redlock redlock = instance();
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
        Optional<SimpleLock> lock = new RedlockLockProvider(redlock).lock(config("stalled", Duration.ofMillis(200),
                Duration.ZERO));
        assertThat(lock).as("the lock of a grant already expired").isEmpty();
        assertThat(redis.nodes().values(PREFIX + "stalled")).as("released").containsOnlyNulls();
    }

    /**
     * A grant that arrives unusable is abandoned as the core's locked calls abandon theirs: deleted at
     * once, not kept for {@code lockAtLeastFor} (the task never ran). Drift factor 0.5: the lease's
     * validity is about half of its keys' TTL, so the keys would otherwise stand about 1 s longer.
     */
    @Test
    void anUnusableGrantIsDeletedWhateverLockAtLeastFor() {
        Redlock redlock = instance(0.5);
        AtomicBoolean stall = new AtomicBoolean(true);
        redlock.addListener(new RedlockListener() {
            @Override
            public Consumer<LockResult> acquiring(LockRequest request) {
                return result -> {
                    if (result.isAcquired() && stall.getAndSet(false)) {
                        await().atMost(Duration.ofSeconds(10)).until(() -> !result.leaseOrThrow().isUsable());
                    }
                };
            }
        });
        Optional<SimpleLock> lock = new RedlockLockProvider(redlock).lock(config("unusable", Duration.ofSeconds(2),
                Duration.ofSeconds(2)));
        assertThat(lock).isEmpty();
        assertThat(redis.nodes().values(PREFIX + "unusable")).as("deleted at once").containsOnlyNulls();
    }

    /**
     * An extension of a lock whose validity ran out fails, and the lock is left to expire where it
     * still stands ({@link io.github.redlock.Lease#relinquish()}): the task may still run, and deleting
     * the keys would let the next holder in before their TTL. The Spring Integration registry ends a
     * lock whose renewal failed alike. Drift factor 0.5: the keys outlive the validity by about 1 s.
     */
    @Test
    void anExtensionAfterTheValidityRanOutFailsAndLeavesTheKeysToExpire() {
        Redlock redlock = instance(0.5);
        SimpleLock lock = new RedlockLockProvider(redlock).lock(config("ran-out", Duration.ofSeconds(2), Duration.ZERO))
                .orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> !((RedlockSimpleLock) lock).lease().isValid());
        assertThat(redis.nodes().values(PREFIX + "ran-out")).as("still standing after the validity").doesNotContainNull();

        assertThat(lock.extend(Duration.ofSeconds(2), Duration.ZERO)).isEmpty();

        assertThat(redis.nodes().values(PREFIX + "ran-out")).as("left to expire, not deleted").doesNotContainNull();
    }

    @Test
    void aLockAtMostForBelowTheEnginesMinimumTtlIsDeclined() {
        Redlock redlock = instance(0.9);
        Duration below = redlock.options().minimumTtl().minusMillis(5);
        assertThat(below).isGreaterThan(Duration.ofMillis(10));

        Optional<SimpleLock> lock = new RedlockLockProvider(redlock).lock(config("short", below, Duration.ZERO));

        assertThat(lock).isEmpty();
        assertThat(redis.nodes().values(PREFIX + "short")).containsOnlyNulls();
    }
}
