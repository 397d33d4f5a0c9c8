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

    /**
     * Issue 23: a connection whose replies stop is taken for dead after a few silent commands and
     * replaced, but the commands written on it before landed (only replies are lost). The release
     * that follows, sent while no new connection could be set up (the handshake's replies are lost
     * too), failed at once as "not connected" and left the key to block the lock until its TTL. It
     * now goes on the retired connection, after the SET it cleans up.
     */
    @Test
    void releaseLandsOnANodeWhoseSilentConnectionWasRetiredAfterTheKeyWasSet() throws Exception {
        try (Redlock redlock = Redlock.builder().servers(redis.proxiedUris()).timeout(Duration.ofMillis(250))
                .retryCount(0).reconnectInterval(Duration.ofMillis(100)).build()) {
            redis.proxy(0).dropReplies();

            Lease lease = redlock.tryLock("foo", Duration.ofSeconds(30)).leaseOrThrow();
            awaitValue(0, lease.value());
            // Pings that get no reply until the connection is taken for dead (3 in a row, 5 s of silence).
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            String error = "";
            while (!error.startsWith("not connected") && System.nanoTime() - deadline < 0) {
                NodeHealth health = redlock.checkNodes().get(0);
                error = String.valueOf(health.error());
            }
            assertThat(error).as("node 0 after its silent connection was retired").startsWith("not connected");

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
