package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Regression test for a bug found in review: an extend-or-create sent as EVALSHA to nodes without
 * the script needs the NOSCRIPT answer to fall back to EVAL. When that answer came after the
 * attempt had timed out and been released, the fallback still ran, after the release, and
 * created the key again: the resource stayed blocked until its TTL.
 */
@Timeout(60)
class LateScriptFallbackIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3).withProxies();

    @Test
    void aTimedOutExtendOrCreateLeavesNoKeyBehind() throws Exception {
        try (Redlock redlock = Redlock.builder().servers(redis.proxiedUris()).timeout(Duration.ofMillis(100))
                .retryCount(0).build()) {
            for (int i = 0; i < 3; i++) {
                redis.node(i).command("SCRIPT", "FLUSH");
                redis.proxy(i).delay(Duration.ofMillis(400));
            }

            assertThat(redlock.lock("foo", Duration.ofSeconds(30), "host-a", true)).isEmpty();

            // Every late answer (NOSCRIPT included) has arrived well within 2 s; no key may appear meanwhile or after.
            long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() - until < 0) {
                for (int i = 0; i < 3; i++) {
                    assertThat(redis.node(i).command("GET", "foo")).as("node %d", i).isNull();
                }
                Thread.sleep(50);
            }
        }
    }
}
