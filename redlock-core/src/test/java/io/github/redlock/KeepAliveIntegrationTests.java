package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link LockRequest#withKeepAlive(boolean)} against three real redis-server processes, default settings. */
class KeepAliveIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final Duration TTL = Duration.ofSeconds(2);

    private final List<Redlock> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(Redlock::close);
    }

    private Redlock redlock() {
        Redlock redlock = Redlock.builder().servers(redis.uris()).build();
        opened.add(redlock);
        return redlock;
    }

    private static int nodesHolding(String key, String value) {
        return (int) redis.nodes().values(key).stream().filter(value::equals).count();
    }

    @Test
    void fiveThousandLeasesWithATwoSecondTtlAreAllStillHeldAfterSixSeconds() {
        Redlock redlock = redlock();
        int count = 5_000;
        List<Lease> kept = new ArrayList<>(count);
        for (int batch = 0; batch < count; batch += 250) {
            List<CompletableFuture<LockResult>> locking = new ArrayList<>();
            for (int i = batch; i < batch + 250; i++) {
                locking.add(redlock.tryLockAsync(LockRequest.of("held-" + i, TTL).withKeepAlive(true)).toCompletableFuture());
            }
            locking.forEach(result -> kept.add(result.join().leaseOrThrow()));
        }

        // Three TTLs long, every keep-alive must hold without a gap.
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .failFast(() -> assertThat(kept.stream().filter(k -> !k.isValid()).count()).as("leases not held").isZero())
                .until(() -> System.nanoTime() - end >= 0);

        assertThat(kept).allMatch(Lease::isValid);
        long onAMajority = kept.stream().filter(k -> nodesHolding(k.resource(), k.value()) >= 2).count();
        assertThat(onAMajority).isEqualTo(count);
        assertThat(kept.stream().filter(k -> k.lost().toCompletableFuture().isDone()).count()).isZero();
        assertThat(redlock.heldLeases()).hasSize(count);
    }

    @Test
    void aReleaseDuringRenewalsLeavesNoKeyBehind() {
        Redlock redlock = redlock();
        AtomicInteger renewals = new AtomicInteger();
        redlock.addListener(new RedlockListener() {
            @Override
            public void renewed(Renewal renewal) {
                renewals.incrementAndGet();
            }
        });
        // A 30 ms TTL renews every 10 ms: releases land before, during and after renewals in flight.
        for (int i = 0; i < 100; i++) {
            int before = renewals.get();
            Lease lease = redlock.tryLock(LockRequest.of("racing-" + i, Duration.ofMillis(30)).withKeepAlive(true))
                    .leaseOrThrow();
            await().pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> renewals.get() > before || !lease.isValid());

            lease.release();

            assertThat(lease.isValid()).isFalse();
            assertThat(nodesHolding("racing-" + i, lease.value())).as("nodes holding %d", i).isZero();
        }
    }

    @Test
    void aRenewalRefusedByAQuorumReportsTheLockLost() throws Exception {
        Redlock redlock = redlock();
        Lease lease = redlock.tryLock(LockRequest.of("taken-over", TTL).withKeepAlive(true)).leaseOrThrow();

        redis.node(0).command("SET", "taken-over", "someone-else");
        redis.node(1).command("SET", "taken-over", "someone-else");

        Lease last = lease.lost().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(last).isSameAs(lease);
        assertThat(lease.isValid()).isFalse();
        assertThat(redis.node(0).command("GET", "taken-over")).isEqualTo("someone-else");
        assertThat(redis.node(1).command("GET", "taken-over")).isEqualTo("someone-else");
        assertThat(lease.release()).isFalse();
        assertThat(redis.node(2).command("GET", "taken-over")).isNull();
    }

    @Test
    void aReleaseWithAMinimumHoldKeepsTheKeyUntilTheHoldEnds() {
        Redlock redlock = redlock();
        Lease lease = redlock.tryLock(LockRequest.of("held-briefly", Duration.ofSeconds(30)).withKeepAlive(true)
                .withMinimumHold(Duration.ofSeconds(5))).leaseOrThrow();

        assertThat(lease.release()).isTrue();

        assertThat(lease.isValid()).isFalse();
        assertThat(redlock.heldLeases()).isEmpty();
        for (int i = 0; i < 3; i++) {
            assertThat(redis.node(i).command("GET", "held-briefly")).isEqualTo(lease.value());
            assertThat((Long) redis.node(i).command("PTTL", "held-briefly")).isBetween(1L, 5_000L);
        }
        assertThat(lease.release()).as("a second release").isFalse();
    }

    @Test
    void closingTheRedlockStopsItsKeepAlivesAndLeavesTheirLeasesToExpire() throws Exception {
        Redlock redlock = redlock();
        Lease lease = redlock.tryLock(LockRequest.of("closing", TTL).withKeepAlive(true)).leaseOrThrow();

        redlock.close();

        assertThat(lease.isValid()).isFalse();
        assertThat(lease.lost().toCompletableFuture().get(5, TimeUnit.SECONDS).resource()).isEqualTo("closing");
        assertThat(nodesHolding("closing", lease.value())).as("left to expire, never deleted at close").isEqualTo(3);
        // Renewed every third of the TTL while it ran: the key outlives a TTL only if renewal went on.
        await().atMost(TTL.multipliedBy(3)).until(() -> nodesHolding("closing", lease.value()) == 0);
    }

    @Test
    void badArgumentsAreRejected() {
        Redlock redlock = redlock();
        Redlock other = redlock();
        Lease lease = redlock.lock("args", TTL).orElseThrow();

        assertThatThrownBy(() -> LockRequest.of("args", Duration.ofMillis(2)).withKeepAlive(true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl");
        assertThatThrownBy(() -> other.release(lease)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("another Redlock");
        assertThatThrownBy(() -> other.extend(lease, TTL)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("another Redlock");
        assertThatThrownBy(() -> LockRequest.of("args", TTL).withMinimumHold(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minimumHold");
        assertThat(lease.release()).isTrue();
    }
}
