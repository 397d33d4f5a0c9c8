package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Regression test for a bug found by the safety suite (TLS to a plain-text port): build() waited
 * for each node's connection in turn, each with the full connect bound, so nodes whose handshake
 * hangs (paused, or TLS to a plain port) added up to N times the bound.
 */
@Timeout(60)
class StartupWithHangingNodesIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(5);

    @Test
    void buildWaitsForAllNodesTogetherNotOneAfterTheOther() {
        for (int i = 1; i < 5; i++) {
            redis.node(i).pause();
        }

        long start = System.nanoTime();
        Throwable thrown = catchThrowable(() -> Redlock.builder().servers(redis.uris())
                .connectTimeout(Duration.ofSeconds(1)).build().close());
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(thrown).isInstanceOf(RedlockConnectionException.class)
                .hasMessageContaining("Only 1 of 5 Redis nodes could be reached")
                .hasMessageContaining("TIMEOUT (no connection within 1000 ms)");
        // One bound of connectTimeout + 1 s for all of them (4 paused nodes in turn took 8 s).
        assertThat(took).isLessThan(Duration.ofMillis(5_000));
    }
}
