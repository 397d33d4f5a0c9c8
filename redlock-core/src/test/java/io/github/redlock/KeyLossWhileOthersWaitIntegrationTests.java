package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.internal.Waiting;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A waiting call granted on a bare quorum of 5 real nodes (the other two still hold the previous
 * holder's key) keeps its place in those two nodes' waiter queues until its fill-in lands there or
 * it ends: when the two nodes of its quorum that lose their keys lose them before that, a waiter
 * told of the previous holder's release cannot take the freed nodes ahead of the fill-in and be
 * granted beside it (issue 25, the repeated-key-loss scenario with waiters in turn).
 */
@Timeout(60)
class KeyLossWhileOthersWaitIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(5);

    private static final Duration TTL = Duration.ofSeconds(30);
    /** The holder's fill-in tries a 64th of the TTL apart (about 470 ms): long after a notified waiter's attempt. */
    private static final Duration HOLDER_RETRY_DELAY = Duration.ofSeconds(2);
    /** The waiter does not poll: only a release notice makes it try again. */
    private static final Duration NO_POLLING = Duration.ofSeconds(120);
    private static final List<Integer> PREVIOUS_HOLDER_NODES = List.of(3, 4);
    private static final List<Integer> LOSSY_NODES = List.of(0, 1);

    @Test
    void aWaiterToldOfAReleaseCannotTakeTheNodesABareQuorumHolderIsFillingIn() throws Exception {
        String key = "kept-place:r";
        for (int node : PREVIOUS_HOLDER_NODES) { // the previous holder's release has not reached them yet
            redis.node(node).command("SET", key, "previous", "PX", "60000");
        }
        try (Redlock holder = Redlock.builder().servers(redis.uris()).keyPrefix("kept-place:").retryCount(0)
                        .retryDelay(HOLDER_RETRY_DELAY).retryJitter(Duration.ZERO).build();
                Redlock waiter = Redlock.builder().servers(redis.uris()).keyPrefix("kept-place:").retryCount(0)
                        .retryDelay(NO_POLLING).retryJitter(Duration.ZERO).build()) {
            LockRequest request = LockRequest.of("r", TTL).withWaitTime(Duration.ofSeconds(3));
            Lease held = holder.tryLock(request).lease().orElseThrow();
            assertThat(nodesHolding(key, held.value())).as("nodes of the grant").containsExactly(0, 1, 2);

            for (int node : LOSSY_NODES) {
                redis.node(node).command("FLUSHALL");
            }
            CompletableFuture<LockResult> waiting = waiter.tryLockAsync(request).toCompletableFuture();
            String channel = Waiting.channel(key);
            await().atMost(Duration.ofSeconds(10)).until(() -> PREVIOUS_HOLDER_NODES.stream()
                    .allMatch(node -> subscribed(node, channel) && queued(node, key).stream().anyMatch(m -> !m.endsWith(":" + held.value()))));

            for (int node : PREVIOUS_HOLDER_NODES) { // the previous holder's release lands: key deleted, notice published
                redis.node(node).command("DEL", key);
                redis.node(node).command("PUBLISH", channel, "");
            }

            LockResult result = waiting.get(10, TimeUnit.SECONDS);
            assertThat(result.lease()).as("a second holder while the first is valid").isEmpty();
            assertThat(held.isValid()).as("first lease valid").isTrue();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(nodesHolding(key, held.value()))
                    .as("nodes holding the first lease after its fill-in").containsExactly(2, 3, 4));

            assertThat(holder.release(held)).as("released").isTrue();
            for (int node = 0; node < 5; node++) {
                assertThat(queued(node, key)).as("entries of the holder left in node " + node + "'s queue")
                        .noneMatch(m -> m.endsWith(":" + held.value()));
            }
        }
    }

    private static List<Integer> nodesHolding(String key, String value) {
        return java.util.stream.IntStream.range(0, 5).filter(i -> value.equals(redis.node(i).command("GET", key)))
                .boxed().toList();
    }

    private static boolean subscribed(int node, String channel) {
        List<?> reply = (List<?>) redis.node(node).command("PUBSUB", "NUMSUB", channel);
        return Long.parseLong(String.valueOf(reply.get(1))) > 0;
    }

    private static List<String> queued(int node, String key) {
        List<?> members = (List<?>) redis.node(node).command("ZRANGE", Waiting.queueKey(key), "0", "-1");
        return members.stream().map(String::valueOf).toList();
    }
}
