package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Regression test for a bug found by the safety suite: a release sent as EVALSHA to a node
 * without the script in its cache needs the NOSCRIPT answer to fall back to EVAL, so when the
 * node's answers were lost (a one-way partition) the release never ran and the key blocked the
 * lock until its TTL.
 */
@Timeout(60)
class ReleaseWithLostRepliesIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3).withProxies();

    @Test
    void releaseLandsOnANodeWithoutTheScriptWhoseAnswersAreLost() throws Exception {
        try (Redlock redlock = Redlock.builder().servers(redis.proxiedUris()).timeout(Duration.ofMillis(250))
                .retryCount(0).build()) {
            redis.node(0).command("SCRIPT", "FLUSH");
            redis.proxy(0).dropReplies();

            Lease lease = redlock.tryLock("foo", Duration.ofSeconds(30)).leaseOrThrow();
            awaitValue(0, lease.value());
            assertThat(redlock.release(lease)).isTrue();

            awaitValue(0, null);
            assertThat(redis.node(1).command("GET", "foo")).isNull();
            assertThat(redis.node(2).command("GET", "foo")).isNull();
        }
    }

    private static void awaitValue(int node, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!java.util.Objects.equals(redis.node(node).command("GET", "foo"), expected)
                && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
        }
        assertThat(redis.node(node).command("GET", "foo")).as("node %d", node).isEqualTo(expected);
    }
}
