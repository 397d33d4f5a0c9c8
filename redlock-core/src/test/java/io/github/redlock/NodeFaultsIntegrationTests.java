package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How the nodes' connections behave when a node pauses, goes silent or holds a key of another type. */
@Timeout(90)
class NodeFaultsIntegrationTests {

    private static final Duration TIMEOUT = RedlockOptions.DEFAULT_TIMEOUT;

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3).withProxies();

    /**
     * Review finding 7: with node 0 paused and its request queue full, every call that failed at once
     * on it counted as a reply from it, so commands written to it just before kept their timeouts
     * pushed back for as long as the load went on. Each call here needs node 0 to decide (node 1
     * holds its key, node 2 grants it).
     */
    @Test
    void writtenCommandsTimeOutWhileCallsKeepFailingLocally() throws Exception {
        int calls = 200;
        for (int i = 0; i < calls; i++) {
            redis.node(1).command("SET", "silence-" + i, "someone-else", "PX", "60000");
        }
        ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
        try (Redlock redlock = Redlock.builder().servers(redis.uris()).requestQueueSize(20).build()) {
            redis.node(0).pause();
            List<CompletableFuture<LockResult>> sent = new CopyOnWriteArrayList<>();
            AtomicInteger next = new AtomicInteger();
            // One call every 20 ms for 4 s.
            load.scheduleAtFixedRate(() -> {
                int i = next.getAndIncrement();
                if (i < calls) {
                    sent.add(redlock.tryLockAsync(LockRequest.of("silence-" + i, Duration.ofSeconds(10)))
                            .toCompletableFuture());
                }
            }, 0, 20, TimeUnit.MILLISECONDS);
            await("75 calls sent").atMost(Duration.ofSeconds(10)).until(() -> sent.size() >= 75);
            List<CompletableFuture<LockResult>> early = List.copyOf(sent.subList(0, 75));

            // While the load goes on (until about 4 s), each of them must be decided by its node-0
            // timeout plus the 1 s bound on a command's wait, plus slack for a loaded machine.
            boolean completed;
            try {
                CompletableFuture.allOf(early.toArray(CompletableFuture<?>[]::new))
                        .get(TIMEOUT.toMillis() + 1_000 + 500, TimeUnit.MILLISECONDS);
                completed = true;
            } catch (TimeoutException e) {
                completed = false;
            }
            long pending = early.stream().filter(call -> !call.isDone()).count();
            boolean loadStillRunning = next.get() < calls;

            assertThat(completed).as("X completed: the first 75 calls decided while the load went on (%d pending)",
                    pending).isTrue();
            assertThat(loadStillRunning).as("the load was still running when they were checked").isTrue();
        } finally {
            load.shutdownNow();
            redis.node(0).resume();
        }
    }

    /**
     * Review finding 13 and issue 25: a connection that goes silent without being closed (a NAT or
     * firewall that forgot it, a host gone without a reset) was kept until the kernel gave up on it,
     * about 15 minutes. Now it is replaced after a few timeouts while its I/O thread kept up.
     */
    @Test
    void aConnectionThatWentSilentIsReplaced() {
        try (Redlock redlock = Redlock.builder().servers(redis.proxiedUris()).connectTimeout(Duration.ofMillis(500))
                .reconnectInterval(Duration.ofMillis(200)).build()) {
            redis.proxy(1).silenceOpenConnections();
            for (int i = 0; i < 5; i++) {
                assertThat(redlock.tryLock("silent-" + i, Duration.ofSeconds(10)).isAcquired()).isTrue();
            }

            AtomicInteger attempt = new AtomicInteger();
            List<String> seen = new ArrayList<>();
            boolean recovered;
            try {
                await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    List<NodeHealth> health = redlock.checkNodes();
                    LockResult result = redlock.tryLock("silent-check-" + attempt.incrementAndGet(),
                            Duration.ofSeconds(10));
                    seen.add(health.get(1) + " / " + result.nodes().get(1));
                    return health.stream().allMatch(NodeHealth::up)
                            && result.nodes().stream().allMatch(node -> node.status() == NodeStatus.OK);
                });
                recovered = true;
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                recovered = false;
            }

            assertThat(recovered).as("node 1 up and granting within 15 s; it answered: %s",
                    seen.subList(Math.max(0, seen.size() - 3), seen.size())).isTrue();
        }
    }

    /**
     * Review finding 14: a key holding a hash made the lock scripts fail with WRONGTYPE, which read
     * as an unreachable node (UNAVAILABLE, retried, logged at WARN on each scheduled tick). The key
     * is held by something that is not ours: held by another, and nothing of it is touched.
     */
    @Test
    void aKeyOfAnotherTypeIsHeldByAnotherNotUnavailable() {
        for (int i = 0; i < 2; i++) {
            redis.node(i).command("HSET", "typed", "field", "value");
        }
        try (Redlock redlock = Redlock.builder().servers(redis.uris()).build()) {
            LockResult tick = redlock.tryLock(LockRequest.of("typed", Duration.ofSeconds(10)).withRetryWhenHeld(false));
            boolean renewed = redlock.lock("typed", Duration.ofSeconds(10), "mine", true).isPresent();

            assertThat(tick.failure()).as("a scheduled-style tick on it: " + tick).isEqualTo(LockFailure.CONTENDED);
            assertThat(tick.nodes().subList(0, 2)).allSatisfy(node -> {
                assertThat(node.status()).isEqualTo(NodeStatus.HELD_BY_OTHER);
                assertThat(node.detail()).isEqualTo("key holds a value of another type (WRONGTYPE)");
            });
            assertThat(renewed).as("acquire-or-extend on it").isFalse();
        }
        for (int i = 0; i < 2; i++) {
            assertThat(redis.node(i).command("TYPE", "typed")).as("node " + i).isEqualTo("hash");
            assertThat(redis.node(i).command("HGET", "typed", "field")).as("node " + i).isEqualTo("value");
        }
    }

    /**
     * Issue 25 item 3: every connection of the client closed while a lock was held (a proxy or a
     * server dropping its clients, CLIENT KILL). The release that came right after found no
     * connection on any node and failed at once ("not connected"), so it returned false and the keys
     * stayed until their TTL. It now waits, within its timeout, for the reconnection under way and is
     * sent on the new connection. The proxies hold replies for 300 ms, so that each reconnection (its
     * handshake) takes that long and the release is sure to find the nodes reconnecting; the
     * reconnect interval is short, so the reconnection starts within the release's timeout although
     * the connections it replaces are only just made.
     */
    @Test
    void aReleaseRightAfterEveryConnectionClosedWaitsForTheReconnection() {
        try (Redlock redlock = Redlock.builder().servers(redis.proxiedUris()).timeout(Duration.ofSeconds(1))
                .reconnectInterval(Duration.ofMillis(100)).retryCount(0).build()) {
            Lease lease = redlock.tryLock("all-closed", Duration.ofSeconds(60)).leaseOrThrow();
            for (int i = 0; i < 3; i++) {
                redis.proxy(i).delay(Duration.ofMillis(300));
            }
            for (int i = 0; i < 3; i++) {
                redis.proxy(i).resetConnections();
            }
            await("every node seen reconnecting").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> redlock.checkNodes().stream()
                            .allMatch(health -> String.valueOf(health.error()).startsWith("not connected")));

            boolean released = lease.release();

            assertThat(released).as("release right after every connection closed").isTrue();
            for (int i = 0; i < 3; i++) {
                int node = i;
                await("key gone on node " + node).atMost(Duration.ofSeconds(5))
                        .until(() -> redis.node(node).command("GET", "all-closed") == null);
            }
        }
    }
}
