package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A paused node (SIGSTOP) keeps every command sent to it: {@code requestQueueSize} bounds them,
 * and the excess fails at once as that node's error while the other nodes grant the locks.
 */
class PausedNodeQueueIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    @Test
    void commandsPastTheQueueSizeOfAPausedNodeFailFastAsThatNodesError() {
        int locks = 200;
        try (Redlock redlock = Redlock.builder().servers(redis.uris()).requestQueueSize(50).build()) {
            String paused = redlock.nodes().get(0);
            redis.node(0).pause();
            int granted = 0;
            NodeHealth pausedHealth;
            try {
                for (int i = 0; i < locks; i++) {
                    granted += redlock.tryLock("paused-" + i, Duration.ofSeconds(30)).isAcquired() ? 1 : 0;
                }
                pausedHealth = redlock.checkNodes().get(0);
            } finally {
                redis.node(0).resume();
            }

            assertThat(granted).isEqualTo(locks);
            assertThat(pausedHealth.node()).isEqualTo(paused);
            assertThat(pausedHealth.error()).as("the paused node's answer to a ping once full").contains("request queue full");
        }
    }
}
