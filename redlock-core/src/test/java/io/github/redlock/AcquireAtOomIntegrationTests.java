package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redlock.test.OutOfMemory;
import io.github.redlock.test.RedisNode;
import io.github.redlock.test.RedisNodesExtension;
import io.github.redlock.test.RedisReplyException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 25, item 4: a node at {@code maxmemory} with {@code noeviction} refuses {@code SET NX} with
 * OOM even when the key exists. A key held by another client there is contended, not an error: the
 * plain acquire and the fill-in must say so. A free key cannot be created at OOM: that stays an error.
 */
@Timeout(90)
class AcquireAtOomIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3).withProxies();

    private final List<Redlock> opened = new ArrayList<>();
    /** Set the filled nodes' memory settings back. */
    private final List<Runnable> restores = new ArrayList<>();

    @AfterEach
    void restoreNodesAndClose() {
        restores.forEach(Runnable::run);
        opened.forEach(Redlock::close);
    }

    private Redlock redlock() {
        Redlock redlock = Redlock.builder().servers(redis.uris()).retryCount(0).retryDelay(Duration.ofMillis(50)).build();
        opened.add(redlock);
        return redlock;
    }

    @Test
    void aKeyHeldByAnotherClientOnNodesAtOomIsContendedAndAFreeOneIsUnavailable() {
        Redlock redlock = redlock();
        for (int i = 0; i < 2; i++) {
            redis.node(i).command("SET", "oom-held", "someone-else", "PX", "60000");
        }
        fillToOom(0, "oom-held");
        fillToOom(1, "oom-held");

        LockResult held = redlock.tryLock("oom-held", Duration.ofSeconds(10));
        LockResult free = redlock.tryLock("oom-free", Duration.ofSeconds(10));

        assertThat(held.failure()).as("held on the 2 full nodes: %s", held.nodes()).isEqualTo(LockFailure.CONTENDED);
        assertThat(held.nodes().subList(0, 2)).allSatisfy(n -> assertThat(n.status()).isEqualTo(NodeStatus.HELD_BY_OTHER));
        assertThat(free.failure()).as("free on the 2 full nodes: %s", free.nodes()).isEqualTo(LockFailure.UNAVAILABLE);
        assertThat(free.nodes().subList(0, 2)).allSatisfy(n -> {
            assertThat(n.status()).isEqualTo(NodeStatus.ERROR);
            assertThat(n.detail()).contains("OOM");
        });
        assertThat(redis.node(2).command("GET", "oom-free")).as("released where it was set").isNull();
        for (int i = 0; i < 2; i++) {
            assertThat(redis.node(i).command("GET", "oom-held")).isEqualTo("someone-else");
        }
    }

    @Test
    void theReadAfterAnOomReplyHasItsOwnTimeoutSinceTheOomReplyShowedTheNodeAnswering() {
        Redlock redlock = Redlock.builder().servers(redis.proxiedUris()).retryCount(0).timeout(Duration.ofSeconds(1))
                .build();
        opened.add(redlock);
        // Held on nodes 0 and 1: node 0's answer decides the outcome, so the call waits for it.
        redis.node(0).command("SET", "oom-slow", "someone-else", "PX", "60000");
        redis.node(1).command("SET", "oom-slow", "someone-else", "PX", "60000");
        fillToOom(0, "oom-slow");
        // Each reply from node 0 arrives 700 ms late: SET's OOM reply, then GET's, 1.4 s after SET was
        // written, more than the 1 s timeout, though the node answered each command within it.
        redis.proxy(0).delay(Duration.ofMillis(700));

        LockResult result = redlock.tryLock("oom-slow", Duration.ofSeconds(10));

        assertThat(result.nodes().get(0).status()).as("node 0 at OOM, held by another: %s", result.nodes())
                .isEqualTo(NodeStatus.HELD_BY_OTHER);
        assertThat(result.failure()).isEqualTo(LockFailure.CONTENDED);
    }

    @Test
    void aFillInOntoANodeAtOomWhereAnotherClientHoldsTheKeyIsContendedNotFailed() {
        Redlock redlock = redlock();
        redis.node(0).command("SET", "oom-fill", "someone-else", "PX", "60000");
        fillToOom(0, "oom-fill");

        Lease lease = redlock.tryLock("oom-fill", Duration.ofSeconds(30)).leaseOrThrow();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> tries(redlock) >= 6);

        FillInCounts counts = redlock.fillInCounts();
        assertThat(counts.failed()).as("fill-in tries at OOM over another client's key: %s", counts).isZero();
        assertThat(counts.contended()).as("%s", counts).isGreaterThanOrEqualTo(6);
        assertThat(redis.node(0).command("GET", "oom-fill")).isEqualTo("someone-else");
        assertThat(redlock.release(lease)).isTrue();

        // A free key on the full node cannot be created: the fill-in fails there (the node answers OOM).
        Lease free = redlock.tryLock("oom-fill-free", Duration.ofSeconds(30)).leaseOrThrow();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> redlock.fillInCounts().failed() >= 6);
        assertThat(redlock.fillInCounts().created()).as("%s", redlock.fillInCounts()).isZero();
        assertThat(redis.node(0).command("GET", "oom-fill-free")).isNull();
        assertThat(redlock.release(free)).isTrue();
    }

    private static long tries(Redlock redlock) {
        FillInCounts counts = redlock.fillInCounts();
        return counts.created() + counts.contended() + counts.failed();
    }

    /**
     * Fills node {@code index} until a write is refused with OOM ({@link OutOfMemory}), then checks
     * that {@code SET key ... NX} of the existing or missing {@code lockKey} is refused with OOM.
     */
    private void fillToOom(int index, String lockKey) {
        RedisNode node = redis.node(index);
        restores.add(OutOfMemory.fill(node));
        assertThatThrownBy(() -> node.command("SET", lockKey, "probe", "NX"))
                .as("SET NX of the key on node %d", index).isInstanceOf(RedisReplyException.class)
                .hasMessageContaining("OOM");
    }
}
