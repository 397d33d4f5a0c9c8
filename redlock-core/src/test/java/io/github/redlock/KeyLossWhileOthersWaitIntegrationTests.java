package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.internal.Waiting;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A lease granted on a bare quorum of 5 real nodes (the other two still hold the previous holder's
 * key) keeps its place at the head of those two nodes' waiter queues until its fill-in lands there
 * or it ends: should the two nodes of its quorum that lose their keys lose them before that, a
 * waiter cannot take the freed nodes ahead of the fill-in and be granted beside it (issue 25, the
 * repeated-key-loss scenario with waiters in turn).
 */
@Timeout(60)
class KeyLossWhileOthersWaitIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(5);

    private static final Duration TTL = Duration.ofSeconds(30);
    /** The waiter does not poll: only a release notice makes it try again. */
    private static final Duration NO_POLLING = Duration.ofSeconds(120);
    private static final List<Integer> PREVIOUS_HOLDER_NODES = List.of(3, 4);
    private static final List<Integer> LOSSY_NODES = List.of(0, 1);

    private static Redlock engine(String prefix, Duration retryDelay) {
        return Redlock.builder().servers(redis.uris()).keyPrefix(prefix).retryCount(0).retryDelay(retryDelay)
                .retryJitter(Duration.ZERO).build();
    }

    private static void previousHolderOnNodesThreeAndFour(String key) {
        for (int node : PREVIOUS_HOLDER_NODES) { // the previous holder's release has not reached them yet
            redis.node(node).command("SET", key, "previous", "PX", "60000");
        }
    }

    @Test
    void aWaiterToldOfAReleaseCannotTakeTheNodesABareQuorumHolderIsFillingIn() throws Exception {
        String key = "kept-place:r";
        previousHolderOnNodesThreeAndFour(key);
        // The holder's fill-in tries come a 64th of the TTL apart (about 470 ms): long after a notified waiter's attempt.
        try (Redlock holder = engine("kept-place:", Duration.ofSeconds(2)); Redlock waiter = engine("kept-place:", NO_POLLING)) {
            LockRequest request = LockRequest.of("r", TTL).withWaitTime(Duration.ofSeconds(8));
            Lease held = holder.tryLock(request).lease().orElseThrow();
            assertThat(nodesHolding(key, held.value())).as("nodes of the grant").containsExactly(0, 1, 2);
            for (int node : PREVIOUS_HOLDER_NODES) {
                assertThat(queued(node, key)).as("the holder's place in node " + node + "'s queue")
                        .anyMatch(member -> member.endsWith(":" + held.value()));
            }

            for (int node : LOSSY_NODES) {
                redis.node(node).command("FLUSHALL");
            }
            CompletableFuture<LockResult> waiting = waiter.tryLockAsync(request).toCompletableFuture();
            String channel = Waiting.channel(key);
            await().atMost(Duration.ofSeconds(5)).until(() -> PREVIOUS_HOLDER_NODES.stream().allMatch(node ->
                    subscribed(node, channel) && queued(node, key).stream().anyMatch(m -> !m.endsWith(":" + held.value()))));

            for (int node : PREVIOUS_HOLDER_NODES) { // the previous holder's release lands: key deleted, notice published
                redis.node(node).command("DEL", key);
                redis.node(node).command("PUBLISH", channel, "");
            }

            LockResult result = waiting.get(15, TimeUnit.SECONDS);
            assertThat(result.lease()).as("a second holder while the first is valid").isEmpty();
            // (The notice names the previous value; the waiter may skip it, since the holder's entry is right ahead of it.)
            assertThat(held.isValid()).as("first lease valid").isTrue();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(nodesHolding(key, held.value()))
                    .as("nodes holding the first lease after its fill-in").containsExactly(2, 3, 4));

            assertThat(holder.release(held)).as("released").isTrue();
            assertNoPlaceLeft(key, held.value());
        }
    }

    /**
     * The place outlives the waiting call's queue entry (fresh for a second or so): the lease's fill-in
     * reserves it, at the head of the queue, for as long as the lease is valid, so a waiter with any
     * score is refused there. Here the previous key expires without a release notice, long after the
     * grant, and a polling waiter comes by once the holder's quorum lost two keys.
     */
    @Test
    void aPlaceReservedByTheFillInOutlivesTheWaitingCallsEntryAndRefusesAPollingWaiter() throws Exception {
        String key = "reserved-place:r";
        previousHolderOnNodesThreeAndFour(key);
        Duration retryDelay = Duration.ofMillis(100); // entries fresh for 1 s; the fill-in backs off within a second
        try (Redlock holder = engine("reserved-place:", retryDelay); Redlock waiter = engine("reserved-place:", retryDelay)) {
            Lease held = holder.tryLock(LockRequest.of("r", TTL).withWaitTime(Duration.ofSeconds(2))).lease().orElseThrow();
            assertThat(nodesHolding(key, held.value())).as("nodes of the grant").containsExactly(0, 1, 2);
            for (int node : PREVIOUS_HOLDER_NODES) {
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(reservedUntilMillis(node, key, held.value()))
                        .as("the place node " + node + " keeps for the holder, fresh until (server ms)")
                        .isGreaterThan(serverMillis(node) + TTL.toMillis() / 2));
            }
            // Longer than a waiting call's entry stays fresh (freshFor is 1 s with these settings).
            Thread.sleep(1_500);

            for (int node : LOSSY_NODES) {
                redis.node(node).command("FLUSHALL");
            }
            for (int node : PREVIOUS_HOLDER_NODES) { // the previous key expires: no notice
                redis.node(node).command("DEL", key);
            }
            LockResult result = waiter.tryLock(LockRequest.of("r", TTL).withWaitTime(Duration.ofSeconds(1)));

            assertThat(result.lease()).as("a second holder while the first is valid").isEmpty();
            assertThat(result.attempts()).as("the waiter's attempts").isGreaterThan(1);
            assertThat(held.isValid()).as("first lease valid").isTrue();
            holder.release(held); // it stands on node 2 only until its next check: not confirmed by a quorum
            assertNoPlaceLeft(key, held.value());
        }
    }

    private static void assertNoPlaceLeft(String key, String value) {
        for (int node = 0; node < 5; node++) {
            assertThat(queued(node, key)).as("entries of the holder left in node " + node + "'s queue")
                    .noneMatch(m -> m.endsWith(":" + value));
        }
    }

    private static List<Integer> nodesHolding(String key, String value) {
        return IntStream.range(0, 5).filter(i -> value.equals(redis.node(i).command("GET", key))).boxed().toList();
    }

    private static boolean subscribed(int node, String channel) {
        List<?> reply = (List<?>) redis.node(node).command("PUBSUB", "NUMSUB", channel);
        return Long.parseLong(String.valueOf(reply.get(1))) > 0;
    }

    private static List<String> queued(int node, String key) {
        List<?> members = (List<?>) redis.node(node).command("ZRANGE", Waiting.queueKey(key), "0", "-1");
        return members.stream().map(String::valueOf).toList();
    }

    /** The freshUntil of {@code value}'s entry with score 0 (a reserved place) in the node's queue, or -1. */
    private static long reservedUntilMillis(int node, String key, String value) {
        List<?> reply = (List<?>) redis.node(node).command("ZRANGEBYSCORE", Waiting.queueKey(key), "0", "0");
        return reply.stream().map(String::valueOf).filter(m -> m.endsWith(":" + value))
                .mapToLong(m -> Long.parseLong(m.substring(0, m.indexOf(':')))).max().orElse(-1);
    }

    private static long serverMillis(int node) {
        List<?> time = (List<?>) redis.node(node).command("TIME");
        return Long.parseLong(String.valueOf(time.get(0))) * 1000 + Long.parseLong(String.valueOf(time.get(1))) / 1000;
    }
}
