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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 25, "Renewal at OOM": a node at {@code maxmemory} with {@code noeviction} refuses
 * {@code SET NX} with OOM even when the key exists, but accepts {@code PEXPIRE}. Renewals of a key
 * holding the lease's value must therefore not depend on {@code SET NX}: with 2 of 3 nodes full,
 * {@code extend()}, {@code lock(..., extend = true)} and keep-alive renewals must still succeed.
 */
@Timeout(90)
class RenewalAtOomIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final int FULL_NODES = 2;

    private final List<Redlock> opened = new ArrayList<>();
    /** Set the filled nodes' memory settings back. */
    private final List<Runnable> restores = new ArrayList<>();

    @AfterEach
    void restoreNodesAndClose() {
        restores.forEach(Runnable::run);
        opened.forEach(Redlock::close);
    }

    private Redlock redlock() {
        Redlock redlock = Redlock.builder().servers(redis.uris()).build();
        opened.add(redlock);
        return redlock;
    }

    @Test
    void anExtendSucceedsWithTwoOfThreeNodesOutOfMemory() {
        Redlock redlock = redlock();
        Lease lease = redlock.lock("oom-extend", Duration.ofSeconds(30)).orElseThrow();
        fillToOom("oom-extend");

        assertThat(redlock.extend(lease, Duration.ofSeconds(120))).as("extend at OOM on 2 of 3 nodes").contains(lease);

        for (int i = 0; i < 3; i++) {
            assertThat(redis.node(i).command("GET", "oom-extend")).as("value on node %d", i).isEqualTo(lease.value());
            assertThat((Long) redis.node(i).command("PTTL", "oom-extend")).as("PTTL on node %d", i)
                    .isBetween(30_001L, 120_000L);
        }
    }

    @Test
    void aLockWithExtendRenewsItsOwnKeyWithTwoOfThreeNodesOutOfMemory() {
        Redlock redlock = redlock();
        redlock.lock("oom-relock", Duration.ofSeconds(30), "host-a").orElseThrow();
        fillToOom("oom-relock");

        assertThat(redlock.lock("oom-relock", Duration.ofSeconds(120), "host-a", true))
                .as("lock(extend = true) at OOM on 2 of 3 nodes").isPresent();

        for (int i = 0; i < 3; i++) {
            assertThat(redis.node(i).command("GET", "oom-relock")).as("value on node %d", i).isEqualTo("host-a");
            assertThat((Long) redis.node(i).command("PTTL", "oom-relock")).as("PTTL on node %d", i)
                    .isBetween(30_001L, 120_000L);
        }
    }

    @Test
    void aKeptAliveLeaseStaysValidAcrossRenewalsWithTwoOfThreeNodesOutOfMemory() {
        Redlock redlock = redlock();
        AtomicInteger renewals = new AtomicInteger(); // successful ones only
        redlock.addListener(new RedlockListener() {
            @Override
            public void renewed(Renewal renewal) {
                if (renewal.renewed()) {
                    renewals.incrementAndGet();
                }
            }
        });
        Lease lease = redlock.tryLock(LockRequest.of("oom-keep-alive", Duration.ofSeconds(1)).withKeepAlive(true))
                .leaseOrThrow();
        fillToOom("oom-keep-alive");
        int before = renewals.get();

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .failFast("the lease was lost at OOM", () -> !lease.isValid())
                .until(() -> renewals.get() >= before + 5);

        assertThat(lease.isValid()).isTrue();
        assertThat(lease.lost().toCompletableFuture()).isNotDone();
        for (int i = 0; i < 3; i++) {
            assertThat(redis.node(i).command("GET", "oom-keep-alive")).as("value on node %d", i).isEqualTo(lease.value());
            assertThat((Long) redis.node(i).command("PTTL", "oom-keep-alive")).as("PTTL on node %d", i)
                    .isBetween(1L, 1_000L);
        }
    }

    /**
     * Fills nodes 0 and 1 until a write is refused with OOM ({@link OutOfMemory}), then checks that
     * {@code SET key ... NX} on the existing lock key is refused with OOM there too.
     */
    private void fillToOom(String lockKey) {
        for (int i = 0; i < FULL_NODES; i++) {
            RedisNode node = redis.node(i);
            restores.add(OutOfMemory.fill(node));
            assertThatThrownBy(() -> node.command("SET", lockKey, "probe", "NX"))
                    .as("SET NX of the existing key on node %d", i).isInstanceOf(RedisReplyException.class)
                    .hasMessageContaining("OOM");
            assertThat((Long) node.command("PTTL", lockKey)).as("key still on node %d", i).isPositive();
        }
    }
}
