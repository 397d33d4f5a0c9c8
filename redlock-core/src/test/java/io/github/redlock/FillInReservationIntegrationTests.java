package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.internal.Waiting;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The place a lease's fill-in reserves in a waiter queue, on 3 real nodes: where another value holds
 * the key, a fill-in try reserves the lease's place at the head of that node's waiter queue; a lease
 * found lost leaves it at once (waiters would otherwise be refused there until its validity ran
 * out), and a user whose ACL does not allow {@code TIME} still gets a plain fill-in.
 */
@Timeout(60)
class FillInReservationIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final Duration TTL = Duration.ofSeconds(3);

    @Test
    void aLeaseFoundLostLeavesThePlaceItsFillInReserved() throws Exception {
        String key = "lost-place:r";
        redis.node(2).command("SET", key, "other", "PX", "60000");
        try (Redlock redlock = Redlock.builder().servers(redis.uris()).keyPrefix("lost-place:")
                .retryDelay(Duration.ofMillis(40)).retryJitter(Duration.ZERO).build()) {
            Lease lease = redlock.lock("r", Duration.ofSeconds(9)).orElseThrow(); // on nodes 0 and 1: a bare quorum
            await().atMost(Duration.ofSeconds(2)).until(() -> queued(2, key).stream().anyMatch(m -> m.endsWith(":" + lease.value())));

            redis.node(0).command("SET", key, "taken-over"); // node 0 restarted and another client took it

            // The next check (a third of the TTL on) finds another value on 2 of 3 nodes: lost. The
            // place was reserved for the validity left, and the queue key lives as long: seconds more.
            assertThat(lease.lost().toCompletableFuture().get(8, TimeUnit.SECONDS)).as("lost").isSameAs(lease);
            await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(queued(2, key))
                    .as("the lost lease's place in node 2's queue").noneMatch(m -> m.endsWith(":" + lease.value())));
        }
    }

    @Test
    void aUserWithoutTimeStillGetsAFillInThatReportsTheHolder() throws Exception {
        String key = "no-time:r";
        redis.node(2).command("SET", key, "other", "PX", "60000");
        List<String> uris = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            redis.node(i).command("ACL", "SETUSER", "notime", "reset", "on", ">secret", "~*", "&*", "+@all", "-time");
            uris.add("redis://notime:secret@127.0.0.1:" + redis.node(i).port());
        }
        try (Redlock redlock = Redlock.builder().servers(uris).keyPrefix("no-time:").retryDelay(Duration.ofMillis(40))
                .retryJitter(Duration.ZERO).build()) {
            Lease lease = redlock.lock("r", TTL).orElseThrow();
            await().atMost(Duration.ofSeconds(2)).until(() -> redlock.fillInCounts().contended() > 0
                    || redlock.fillInCounts().failed() > 0);

            assertThat(redlock.fillInCounts().failed()).as("fill-in tries that failed").isZero();
            assertThat(redlock.fillInCounts().contended()).as("fill-in tries that found the other value").isPositive();
            redlock.release(lease);
        } finally {
            for (int i = 0; i < 3; i++) {
                redis.node(i).command("ACL", "DELUSER", "notime");
            }
        }
    }

    private static List<String> queued(int node, String key) {
        List<?> members = (List<?>) redis.node(node).command("ZRANGE", Waiting.queueKey(key), "0", "-1");
        return members.stream().map(String::valueOf).toList();
    }
}
