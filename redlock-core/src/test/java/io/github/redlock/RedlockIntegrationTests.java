package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Perl module's cases and the engine's fault behaviour, against five real redis-server processes. */
@Timeout(60)
class RedlockIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(5);

    private static final Duration TTL = Duration.ofSeconds(10);

    private final List<Redlock> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(Redlock::close);
    }

    private Redlock redlock(int nodes, Redlock.Builder builder) {
        Redlock redlock = builder.servers(redis.uris().subList(0, nodes)).timeout(Duration.ofMillis(250)).build();
        opened.add(redlock);
        return redlock;
    }

    private Redlock redlock(int nodes) {
        return redlock(nodes, Redlock.builder());
    }

    private static Object get(int node, String key) {
        return redis.node(node).command("GET", key);
    }

    private static long pttl(int node, String key) {
        return (Long) redis.node(node).command("PTTL", key);
    }

    @Test
    void lockingTwiceFailsTheSecondTime() {
        Redlock redlock = redlock(3, Redlock.builder().retryCount(0));

        Optional<Lease> first = redlock.lock("foo", TTL);
        Optional<Lease> second = redlock.lock("foo", TTL);

        assertThat(first).isPresent();
        assertThat(second).isEmpty();
        for (int i = 0; i < 3; i++) {
            assertThat(get(i, "foo")).isEqualTo(first.get().value());
            assertThat(pttl(i, "foo")).isBetween(1L, TTL.toMillis());
        }
    }

    @Test
    void lockingAfterTheTtlExpiredSucceeds() {
        Redlock redlock = redlock(3, Redlock.builder().retryCount(0));
        Lease first = redlock.lock("foo", Duration.ofMillis(300)).orElseThrow();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Optional<Lease> second = Optional.empty();
        while (second.isEmpty() && System.nanoTime() < deadline) {
            second = redlock.lock("foo", TTL);
        }

        assertThat(second).isPresent();
        assertThat(second.get().value()).isNotEqualTo(first.value());
    }

    @Test
    void onlyOneOfThreeWorkersHoldsTheLockAtATime() throws Exception {
        Redlock redlock = redlock(5, Redlock.builder().retryDelay(Duration.ofMillis(5)).retryJitter(Duration.ofMillis(10)));
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger maxHolders = new AtomicInteger();
        AtomicInteger sections = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                done.add(workers.submit(() -> {
                    for (int round = 0; round < 10; round++) {
                        Lease lease = redlock.tryLock("shared", TTL, Duration.ofSeconds(20)).leaseOrThrow();
                        try {
                            maxHolders.accumulateAndGet(holders.incrementAndGet(), Math::max);
                            sections.incrementAndGet();
                            holders.decrementAndGet();
                        } finally {
                            redlock.release(lease);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> worker : done) {
                worker.get(50, TimeUnit.SECONDS);
            }
        } finally {
            workers.shutdownNow();
        }
        assertThat(sections.get()).isEqualTo(30);
        assertThat(maxHolders.get()).isEqualTo(1);
    }

    @Test
    void releaseWithJunkArgumentsReturnsFalseWithoutError() {
        Redlock redlock = redlock(3);

        assertThat(redlock.release("no-such-lock", "no-such-value")).isFalse();
        assertThat(redlock.release("", "")).isFalse();
    }

    @Test
    void knownValueCanBeReleasedByResourceAndValue() {
        Redlock redlock = redlock(3);
        Lease lease = redlock.lock("foo", TTL, "host-a").orElseThrow();

        assertThat(lease.value()).isEqualTo("host-a");
        assertThat(redlock.release("foo", "host-b")).isFalse();
        assertThat(get(0, "foo")).isEqualTo("host-a");
        assertThat(redlock.release("foo", "host-a")).isTrue();
        for (int i = 0; i < 3; i++) {
            assertThat(get(i, "foo")).isNull();
        }
    }

    @Test
    void extendingOwnLockRenewsItsTtl() {
        Redlock redlock = redlock(3);
        redlock.lock("foo", Duration.ofSeconds(2), "host-a").orElseThrow();

        Lease extended = redlock.lock("foo", Duration.ofSeconds(60), "host-a", true).orElseThrow();

        assertThat(extended.validity()).isGreaterThan(Duration.ofSeconds(50));
        // Granted once a quorum answered: the last node may still be applying it.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            for (int i = 0; i < 3; i++) {
                assertThat(pttl(i, "foo")).isGreaterThan(Duration.ofSeconds(50).toMillis());
            }
        });
        Lease renewed = redlock.extend(extended, Duration.ofSeconds(120)).orElseThrow();
        assertThat(renewed.value()).isEqualTo("host-a");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            for (int i = 0; i < 3; i++) {
                assertThat(pttl(i, "foo")).isGreaterThan(Duration.ofSeconds(100).toMillis());
            }
        });
    }

    @Test
    void extendingOverAForeignValueFailsAndLeavesItIntact() {
        for (int i = 0; i < 3; i++) {
            redis.node(i).command("SET", "foo", "someone-else", "PX", "60000");
        }
        Redlock redlock = redlock(3, Redlock.builder().retryCount(0));

        assertThat(redlock.lock("foo", TTL, "host-a", true)).isEmpty();

        for (int i = 0; i < 3; i++) {
            assertThat(get(i, "foo")).isEqualTo("someone-else");
            assertThat(pttl(i, "foo")).isGreaterThan(50_000L);
        }
    }

    @Test
    void scriptsWorkAfterTheNodesLostTheirScriptCache() {
        Redlock redlock = redlock(3);
        Lease warmUp = redlock.lock("warm", TTL).orElseThrow();
        assertThat(redlock.extend(warmUp, TTL)).as("EVALSHA cached").isPresent();
        Lease lease = redlock.lock("foo", TTL).orElseThrow();
        for (int i = 0; i < 3; i++) {
            redis.node(i).command("SCRIPT", "FLUSH");
        }

        // extend: EVALSHA answers NOSCRIPT, the EVAL fallback runs; release is always sent as EVAL
        Lease extended = redlock.extend(lease, Duration.ofSeconds(60)).orElseThrow();
        // Granted at a quorum: the last node's fallback may still be in flight.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            for (int i = 0; i < 3; i++) {
                assertThat(pttl(i, "foo")).as("node %d extended", i).isGreaterThan(50_000L);
            }
        });
        assertThat(redlock.release(extended)).isTrue();

        for (int i = 0; i < 3; i++) {
            assertThat(get(i, "foo")).isNull();
        }
    }

    @Test
    void quorumMatrixOverFiveNodesWithForeignKeys() {
        for (int clogged = 0; clogged <= 5; clogged++) {
            String resource = "matrix-" + clogged;
            for (int i = 0; i < clogged; i++) {
                redis.node(i).command("SET", resource, "foreign", "PX", "60000");
            }
            Redlock redlock = redlock(5, Redlock.builder().retryCount(0));

            LockResult result = redlock.tryLock(resource, TTL);

            assertThat(result.isAcquired()).as("%d of 5 clogged", clogged).isEqualTo(5 - clogged >= 3);
            for (int i = 0; i < clogged; i++) {
                assertThat(get(i, resource)).isEqualTo("foreign");
                assertThat(pttl(i, resource)).isGreaterThan(50_000L);
            }
            if (!result.isAcquired()) {
                assertThat(result.failure()).isEqualTo(LockFailure.CONTENDED);
                for (int i = clogged; i < 5; i++) {
                    assertThat(get(i, resource)).as("no key of ours left on node %d", i).isNull();
                }
            }
        }
    }

    @Test
    void quorumMatrixForOneToFiveNodes() {
        for (int n = 1; n <= 5; n++) {
            for (int clogged = 0; clogged <= n; clogged++) {
                String resource = "n" + n + "-clogged" + clogged;
                for (int i = 0; i < clogged; i++) {
                    redis.node(i).command("SET", resource, "foreign", "PX", "60000");
                }
                Redlock redlock = redlock(n, Redlock.builder().retryCount(0));

                boolean quorumFree = n - clogged >= n / 2 + 1;
                assertThat(redlock.lock(resource, TTL).isPresent()).as("%d of %d clogged", clogged, n)
                        .isEqualTo(quorumFree);
                for (int i = clogged; i < n; i++) {
                    Object value = get(i, resource);
                    assertThat(value == null || !"foreign".equals(value)).isTrue();
                }
            }
        }
    }

    @Test
    void aRequestThatDoesNotRetryWhenHeldGivesUpAtOnceOnAHolder() {
        Lease held = redlock(5).lock("tick", TTL).orElseThrow();

        LockResult result = redlock(5).tryLock(LockRequest.of("tick", TTL).withRetryWhenHeld(false));

        assertThat(result.failure()).isEqualTo(LockFailure.CONTENDED);
        assertThat(result.attempts()).isEqualTo(1);
        for (int i = 0; i < 5; i++) {
            assertThat(get(i, "tick")).isEqualTo(held.value());
        }
    }

    @Test
    void aRequestThatDoesNotRetryWhenHeldRetriesASplitVote() {
        // Three other clients each hold one node, for a moment, as when many instances fire at once.
        for (int i = 0; i < 3; i++) {
            redis.node(i).command("SET", "tick", "other-" + i, "PX", "150");
        }

        LockResult result = redlock(5).tryLock(LockRequest.of("tick", TTL).withRetryWhenHeld(false));

        assertThat(result.isAcquired()).as("%s", result).isTrue();
        assertThat(result.attempts()).isGreaterThan(1);
    }

    @Test
    void retryCountZeroMakesExactlyOneAttempt() {
        for (int i = 0; i < 3; i++) {
            redis.node(i).command("SET", "foo", "foreign", "PX", "60000");
        }
        Redlock redlock = redlock(3, Redlock.builder().retryCount(0));

        LockResult result = redlock.tryLock("foo", TTL);

        assertThat(result.attempts()).isEqualTo(1);
        assertThat(result.nodes()).extracting(NodeOutcome::status).containsOnly(NodeStatus.HELD_BY_OTHER);
    }

    @Test
    void pausedMinorityDoesNotStallAcquisition() {
        Redlock redlock = redlock(5);
        redis.node(0).pause();
        redis.node(1).pause();

        long start = System.nanoTime();
        LockResult result = redlock.tryLock("foo", TTL);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(result.isAcquired()).isTrue();
        // Bounded by the per-node timeout, not by the paused nodes: generous margin for a noisy machine.
        assertThat(took).isLessThan(Duration.ofSeconds(3));
        assertThat(redlock.release(result.leaseOrThrow())).isTrue();
    }

    @Test
    void killedMinorityStillAllowsLocking() {
        Redlock redlock = redlock(5);
        redis.node(3).kill();
        redis.node(4).kill();

        LockResult result = redlock.tryLock("foo", TTL);

        assertThat(result.isAcquired()).isTrue();
        assertThat(redlock.release(result.leaseOrThrow())).isTrue();
    }

    @Test
    void killedMajorityFailsPromptlyWithPerNodeDetail() {
        Redlock redlock = redlock(5, Redlock.builder().retryCount(1).retryDelay(Duration.ofMillis(50)));
        redis.node(0).kill();
        redis.node(1).kill();
        redis.node(2).kill();

        long start = System.nanoTime();
        LockResult result = redlock.tryLock("foo", TTL);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(result.failure()).isEqualTo(LockFailure.UNAVAILABLE);
        assertThat(result.nodes()).extracting(NodeOutcome::status)
                .containsExactly(NodeStatus.ERROR, NodeStatus.ERROR, NodeStatus.ERROR, NodeStatus.OK, NodeStatus.OK);
        assertThat(result.nodes().get(0).node()).isEqualTo(redis.uris().get(0));
        assertThatThrownBy(result::leaseOrThrow).isInstanceOf(LockNotAcquiredException.class)
                .hasMessageContaining("unavailable").hasMessageContaining(redis.uris().get(0) + " ERROR");
        assertThat(took).isLessThan(Duration.ofSeconds(5));
        assertThat(get(3, "foo")).isNull();
        assertThat(get(4, "foo")).isNull();
    }

    @Test
    void startingWithoutQuorumFailsWithEachNodesError() {
        redis.node(0).kill();
        redis.node(1).kill();

        assertThatThrownBy(() -> redlock(3))
                .isInstanceOf(RedlockConnectionException.class)
                .hasMessageContaining("Only 1 of 3 Redis nodes could be reached, a quorum needs 2")
                .hasMessageContaining(redis.uris().get(0) + " ERROR");
    }

    @Test
    void nodesDownAtStartConnectLater() {
        redis.node(0).kill();
        redis.node(1).kill();
        Redlock redlock = redlock(3, Redlock.builder().requireQuorumOnStartup(false)
                .reconnectInterval(Duration.ofMillis(100)).retryCount(0));
        assertThat(redlock.tryLock("foo", TTL).failure()).isEqualTo(LockFailure.UNAVAILABLE);

        redis.node(0).start();
        redis.node(1).start();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        LockResult result = redlock.tryLock("foo", TTL);
        while (!result.isAcquired() && System.nanoTime() < deadline) {
            result = redlock.tryLock("foo", TTL);
        }
        assertThat(result.isAcquired()).isTrue();
    }

    @Test
    void closeLeavesHeldLeasesToExpireForTheirHolderMayStillWork() {
        // A lease taken with lock/tryLock (a ShedLock task, a registry lock) may still guard work when
        // the application shuts down: deleting its key would let another instance in while it runs.
        Redlock redlock = redlock(3);
        Lease lease = redlock.lock("foo", TTL).orElseThrow();
        assertThat(redlock.heldLeases()).containsExactly(lease);

        redlock.close();

        for (int i = 0; i < 3; i++) {
            assertThat(get(i, "foo")).as("node %d keeps the key", i).isEqualTo(lease.value());
            assertThat(pttl(i, "foo")).as("node %d lets it expire", i).isBetween(1L, TTL.toMillis());
        }
        assertThat(lease.lost().toCompletableFuture()).as("reported lost: its holder did not release it").isDone();
        assertThatThrownBy(() -> redlock.lock("bar", TTL)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void checkNodesReportsEachNode() {
        Redlock redlock = redlock(3, Redlock.builder().requireQuorumOnStartup(false));
        redis.node(2).kill();

        List<NodeHealth> health = redlock.checkNodes();

        assertThat(health).extracting(NodeHealth::up).containsExactly(true, true, false);
        assertThat(health.get(0).latency()).isNotNull();
        assertThat(health.get(2).error()).isNotBlank();
    }

    @Test
    void asyncLockCompletesWithALease() throws Exception {
        Redlock redlock = redlock(3);
        CountDownLatch done = new CountDownLatch(1);

        LockResult result = redlock.tryLockAsync(LockRequest.of("async", TTL))
                .whenComplete((r, e) -> done.countDown()).toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(done.await(1, TimeUnit.SECONDS)).isTrue();
        assertThat(result.isAcquired()).isTrue();
        assertThat(result.leaseOrThrow().releaseAsync().toCompletableFuture().get(10, TimeUnit.SECONDS)).isTrue();
    }
}
