package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Lease;
import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.NodeStatus;
import io.github.redlock.Redlock;
import io.github.redlock.TestSwitches;
import io.github.redlock.test.RedisNode;
import io.github.redlock.test.RedisNodeOptions;
import io.github.redlock.test.RedisNodes;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The documented limit of Redlock, used as the checker's negative control: client A holds a lock
 * on an exact quorum (nodes 0-2; nodes 3 and 4 hold another client's key). If node 2 forgets A's
 * key while A's lease is valid, client B wins nodes 2-4 and two clients hold the lock at once.
 * The checker must flag that; if it does not, the checker is broken. The two mitigations,
 * restarting a crashed node only after the largest TTL and {@code appendfsync always}, must keep
 * the same history free of overlaps.
 */
@Timeout(60)
@ExtendWith(SafetySummary.class)
class SafetyRestartIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(5);

    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
    }

    /**
     * Without fill-in: these scenarios hold a lease on an exact quorum on purpose, as it stays when
     * the other nodes remain unreachable (fill-in would otherwise spread it once they are freed).
     */
    private Redlock redlock(List<String> servers, int retryCount) {
        Redlock redlock = TestSwitches.withoutFillIn(Redlock.builder()).servers(servers).timeout(Duration.ofMillis(250))
                .retryCount(retryCount)
                .retryDelay(Duration.ofMillis(50)).retryJitter(Duration.ofMillis(50))
                .reconnectInterval(Duration.ofMillis(100)).requireQuorumOnStartup(false).build();
        opened.add(redlock);
        return redlock;
    }

    /** A's lease on nodes 0-2 exactly, nodes 3-4 clogged by a foreign key that is deleted afterwards. */
    private static Lease holdExactQuorum(Redlock a, IntFunction<RedisNode> node, String resource, Duration ttl,
            MutualExclusionChecker checker) {
        node.apply(3).command("SET", resource, "foreign", "PX", "60000");
        node.apply(4).command("SET", resource, "foreign", "PX", "60000");
        LockResult result = a.tryLock(resource, ttl);
        long acquired = System.nanoTime();
        Lease lease = result.leaseOrThrow();
        checker.record(new Grant(resource, "A", acquired, System.nanoTime() + lease.remaining().toNanos(), Long.MAX_VALUE));
        for (int i = 0; i < 3; i++) {
            Object value = node.apply(i).command("GET", resource);
            if (lease.isValid()) {
                assertThat(value).as("node %d while the lease is valid (%s, %s left)", i, result, lease.remaining())
                        .isEqualTo(lease.value());
            }
        }
        return lease;
    }

    private static void freeClogged(IntFunction<RedisNode> node, String resource) {
        node.apply(3).command("DEL", resource);
        node.apply(4).command("DEL", resource);
    }

    private static LockResult recordB(LockResult result, String resource, MutualExclusionChecker checker) {
        result.lease().ifPresent(lease -> {
            long acquired = System.nanoTime();
            checker.record(new Grant(resource, "B", acquired, System.nanoTime() + lease.remaining().toNanos(),
                    Long.MAX_VALUE));
        });
        return result;
    }

    @Test
    void negativeControlANodeRestartedEmptyLetsASecondClientInAndTheCheckerCatchesIt() {
        SafetySummary.Run run = SafetySummary.start("negative control: node restarted empty under an exact quorum");
        MutualExclusionChecker checker = new MutualExclusionChecker();
        Redlock a = redlock(redis.uris(), 3);
        Lease lease = holdExactQuorum(a, redis::node, "nc", Duration.ofSeconds(10), checker);

        redis.node(2).restart();
        freeClogged(redis::node, "nc");
        Redlock b = redlock(redis.uris(), 3);
        LockResult second = recordB(b.tryLock("nc", Duration.ofSeconds(10), Duration.ofSeconds(3)), "nc", checker);
        boolean aStillValid = lease.isValid();

        List<MutualExclusionChecker.Overlap> overlaps = checker.overlaps();
        run.done(2, 1, overlaps.size(), 0, "B acquired while A's lease was valid: " + (second.isAcquired() && aStillValid)
                + "; the checker must report >= 1 overlap");
        assertThat(second.isAcquired()).as("B gets in: the documented limit").isTrue();
        assertThat(aStillValid).isTrue();
        assertThat(overlaps).as("the checker must flag the negative control").isNotEmpty();
        assertThat(overlaps.get(0).toString()).contains("A@nc", "B@nc");
    }

    @Test
    void negativeControlPrematureExpiryOnOneNodeOfAnExactQuorumLetsASecondClientIn() {
        SafetySummary.Run run = SafetySummary.start("negative control: premature expiry (PEXPIRE 1) under an exact quorum");
        MutualExclusionChecker checker = new MutualExclusionChecker();
        Redlock a = redlock(redis.uris(), 3);
        Redlock b = redlock(redis.uris(), 0);
        Lease lease = holdExactQuorum(a, redis::node, "pe", Duration.ofSeconds(10), checker);

        // What a node's wall clock jumping forward does to a key: it expires early.
        redis.node(2).command("PEXPIRE", "pe", "1");
        Workload.Bounded.await("the key to expire on node 2", Duration.ofSeconds(5),
                () -> redis.node(2).command("GET", "pe") == null);
        freeClogged(redis::node, "pe");
        LockResult second = recordB(b.tryLock("pe", Duration.ofSeconds(10)), "pe", checker);

        List<MutualExclusionChecker.Overlap> overlaps = checker.overlaps();
        run.done(2, 1, overlaps.size(), 0, "B acquired while A's lease was valid: " + (second.isAcquired()
                && lease.isValid()) + "; the checker must report >= 1 overlap");
        assertThat(second.isAcquired()).isTrue();
        assertThat(overlaps).as("the checker must flag it").isNotEmpty();
    }

    @Test
    void delayedRestartKeepsTheSecondClientOutUntilTheFirstLeaseEnded() throws Exception {
        SafetySummary.Run run = SafetySummary.start("restart delayed past the TTL under an exact quorum");
        Duration ttl = Duration.ofSeconds(2);
        MutualExclusionChecker checker = new MutualExclusionChecker();
        Redlock a = redlock(redis.uris(), 3);
        Redlock b = redlock(redis.uris(), 3);
        Lease lease = holdExactQuorum(a, redis::node, "dr", ttl, checker);

        redis.node(2).kill();
        long killedAt = System.nanoTime();
        freeClogged(redis::node, "dr");
        // B keeps trying the whole time; node 2 stays down for longer than the TTL, then comes back empty.
        CompletableFuture<LockResult> second = b.tryLockAsync(LockRequest.of("dr", Duration.ofSeconds(10)).withWaitTime(Duration.ofSeconds(20)))
                .thenApply(result -> recordB(result, "dr", checker)).toCompletableFuture();
        Nodes.sleep(Duration.ofNanos(Math.max(0, ttl.plusMillis(500).toNanos() - (System.nanoTime() - killedAt))));
        redis.node(2).start();
        LockResult result = second.get(30, TimeUnit.SECONDS);

        Grant first = checker.grants().get(0);
        Grant other = checker.grants().get(checker.grants().size() - 1);
        run.done(checker.size(), 1, checker.overlaps().size(), 0, "B acquired "
                + (other.acquiredNanos() - first.validUntilNanos()) / 1_000_000 + " ms after A's validity ended");
        assertThat(result.isAcquired()).isTrue();
        assertThat(lease.isValid()).isFalse();
        assertThat(checker.overlaps()).isEmpty();
    }

    @Test
    void appendfsyncAlwaysKeepsTheLockAcrossAnImmediateRestart() {
        SafetySummary.Run run = SafetySummary.start("immediate restart with appendfsync always under an exact quorum");
        MutualExclusionChecker checker = new MutualExclusionChecker();
        try (RedisNodes aof = RedisNodes.start(5, RedisNodeOptions.defaults().withAppendOnly(true))) {
            Redlock a = redlock(aof.uris(), 3);
            Lease lease = holdExactQuorum(a, aof::node, "aof", Duration.ofSeconds(10), checker);

            aof.node(2).restart();
            Object survived = aof.node(2).command("GET", "aof");
            freeClogged(aof::node, "aof");
            Redlock b = redlock(aof.uris(), 0);
            int attempts = 0;
            int granted = 0;
            int refusedByTheRestartedNode = 0;
            long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() - until < 0) {
                attempts++;
                LockResult result = recordB(b.tryLock("aof", Duration.ofSeconds(10)), "aof", checker);
                granted += result.isAcquired() ? 1 : 0;
                refusedByTheRestartedNode += result.nodes().size() == 5
                        && result.nodes().get(2).status() == NodeStatus.HELD_BY_OTHER ? 1 : 0;
                Nodes.sleep(Duration.ofMillis(100));
            }
            boolean aStillValid = lease.isValid();

            run.done(checker.size(), 1, checker.overlaps().size(), 0, attempts + " attempts by B while A held it, "
                    + granted + " granted, " + refusedByTheRestartedNode + " refused by the restarted node;"
                    + " A's key survived the restart: " + lease.value().equals(survived));
            assertThat(survived).as("A's key on the restarted node").isEqualTo(lease.value());
            assertThat(aStillValid).isTrue();
            assertThat(granted).isZero();
            assertThat(refusedByTheRestartedNode).isPositive();
            assertThat(checker.overlaps()).isEmpty();
        }
    }
}
