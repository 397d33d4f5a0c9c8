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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link Redlock#keepAlive(Lease, Duration)} against three real redis-server processes, default settings. */
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
        int holding = 0;
        for (int i = 0; i < 3; i++) {
            holding += value.equals(redis.node(i).command("GET", key)) ? 1 : 0;
        }
        return holding;
    }

    @Test
    void fiveThousandLeasesWithATwoSecondTtlAreAllStillHeldAfterSixSeconds() {
        Redlock redlock = redlock();
        int count = 5_000;
        List<KeepAlive> kept = new ArrayList<>(count);
        // As @DistributedLock(autoExtend = true) does: each lease is kept alive as soon as it is granted.
        for (int batch = 0; batch < count; batch += 250) {
            List<CompletableFuture<LockResult>> locking = new ArrayList<>();
            for (int i = batch; i < batch + 250; i++) {
                locking.add(redlock.tryLockAsync(LockRequest.of("held-" + i, TTL)).toCompletableFuture());
            }
            locking.forEach(result -> kept.add(redlock.keepAlive(result.join().leaseOrThrow(), TTL)));
        }

        // Three TTLs long, every keep-alive must hold without a gap.
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .failFast(() -> assertThat(kept.stream().filter(k -> !k.isHeld()).count()).as("keep-alives not held").isZero())
                .until(() -> System.nanoTime() - end >= 0);

        assertThat(kept).allMatch(k -> k.lease().isValid());
        long onAMajority = kept.stream()
                .filter(k -> nodesHolding(k.lease().resource(), k.lease().value()) >= 2).count();
        assertThat(onAMajority).isEqualTo(count);
        assertThat(kept.stream().filter(k -> k.lost().toCompletableFuture().isDone()).count()).isZero();
    }

    @Test
    void aReleaseDuringRenewalsLeavesNoKeyBehind() {
        Redlock redlock = redlock();
        // A 30 ms TTL renews every 10 ms: releases land before, during and after renewals in flight.
        for (int i = 0; i < 100; i++) {
            Lease lease = redlock.lock("racing-" + i, Duration.ofMillis(30)).orElseThrow();
            KeepAlive kept = redlock.keepAlive(lease, Duration.ofMillis(30));
            await().pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> kept.lease() != lease || !kept.isHeld());

            kept.release();

            assertThat(kept.isHeld()).isFalse();
            assertThat(nodesHolding("racing-" + i, lease.value())).as("nodes holding %d", i).isZero();
        }
    }

    @Test
    void aRenewalRefusedByAQuorumReportsTheLockLost() throws Exception {
        Redlock redlock = redlock();
        Lease lease = redlock.lock("taken-over", TTL).orElseThrow();
        KeepAlive kept = redlock.keepAlive(lease, TTL);

        redis.node(0).command("SET", "taken-over", "someone-else");
        redis.node(1).command("SET", "taken-over", "someone-else");

        Lease last = kept.lost().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(last.value()).isEqualTo(lease.value());
        assertThat(kept.isHeld()).isFalse();
        assertThat(redis.node(0).command("GET", "taken-over")).isEqualTo("someone-else");
        assertThat(redis.node(1).command("GET", "taken-over")).isEqualTo("someone-else");
        assertThat(kept.release()).isFalse();
        assertThat(redis.node(2).command("GET", "taken-over")).isNull();
    }

    @Test
    void aReleaseWithAMinimumHoldKeepsTheKeyUntilTheHoldEnds() {
        Redlock redlock = redlock();
        Lease lease = redlock.lock("held-briefly", Duration.ofSeconds(30)).orElseThrow();
        KeepAlive kept = redlock.keepAlive(lease, Duration.ofSeconds(30));

        assertThat(kept.release(Duration.ofSeconds(5))).isTrue();

        assertThat(kept.isHeld()).isFalse();
        for (int i = 0; i < 3; i++) {
            assertThat(redis.node(i).command("GET", "held-briefly")).isEqualTo(lease.value());
            assertThat((Long) redis.node(i).command("PTTL", "held-briefly")).isBetween(1L, 5_000L);
        }
        assertThat(kept.release()).as("a second release").isFalse();
    }

    @Test
    void closingTheRedlockStopsItsKeepAlivesAndReleasesTheirLeases() throws Exception {
        Redlock redlock = redlock();
        Lease lease = redlock.lock("closing", TTL).orElseThrow();
        KeepAlive kept = redlock.keepAlive(lease, TTL);

        redlock.close();

        assertThat(kept.isHeld()).isFalse();
        assertThat(kept.lost().toCompletableFuture().get(5, TimeUnit.SECONDS).resource()).isEqualTo("closing");
        assertThat(nodesHolding("closing", lease.value())).isZero();
    }

    @Test
    void badArgumentsAreRejected() {
        Redlock redlock = redlock();
        Redlock other = redlock();
        Lease lease = redlock.lock("args", TTL).orElseThrow();

        assertThatThrownBy(() -> redlock.keepAlive(null, TTL)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lease");
        assertThatThrownBy(() -> other.keepAlive(lease, TTL)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("another Redlock");
        assertThatThrownBy(() -> redlock.keepAlive(lease, Duration.ofMillis(2))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ttl");
        assertThatThrownBy(() -> redlock.keepAlive(lease, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ttl");
        KeepAlive kept = redlock.keepAlive(lease, TTL);
        assertThatThrownBy(() -> kept.release(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minHoldTime");
        assertThat(kept.release()).isTrue();
    }
}
