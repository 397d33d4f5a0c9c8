package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Redlock;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the engine logs when a node goes down and comes back: one WARN naming the node and the
 * cause, one INFO when it is back, however many calls meet it meanwhile.
 */
@Timeout(60)
class NodeSignalsIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static List<String> lines(LogCapture log, Level level, Predicate<String> matching) {
        return log.records().stream().filter(r -> r.level() == level).map(LogCapture.Captured::text)
                .filter(matching).toList();
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waiting for " + what).isNegative();
            Nodes.sleep(Duration.ofMillis(20));
        }
    }

    @Test
    void aNodeGoingDownAndComingBackLogsOneLineEachNotOnePerCall() {
        String node = "redis://127.0.0.1:" + redis.node(0).port();
        Predicate<String> aboutNode = text -> text.contains("Redlock node " + node);
        try (LogCapture log = new LogCapture();
                Redlock redlock = Redlock.builder().servers(redis.uris()).timeout(Duration.ofMillis(500))
                        .reconnectInterval(Duration.ofMillis(100)).retryCount(0).build()) {
            redis.node(0).stop();
            await("the down line", () -> !lines(log, Level.WARNING, aboutNode).isEmpty());
            int granted = 0;
            for (int i = 0; i < 30; i++) {
                granted += redlock.tryLock("signals-" + i, Duration.ofSeconds(5)).isAcquired() ? 1 : 0;
            }
            Nodes.sleep(Duration.ofMillis(500)); // several reconnect intervals of failed attempts
            redis.node(0).start();
            await("the back line", () -> !lines(log, Level.INFO, aboutNode.and(t -> t.contains("is back"))).isEmpty());
            for (int i = 0; i < 30; i++) {
                granted += redlock.tryLock("signals-up-" + i, Duration.ofSeconds(5)).isAcquired() ? 1 : 0;
            }

            List<String> down = lines(log, Level.WARNING, aboutNode);
            List<String> back = lines(log, Level.INFO, aboutNode);
            System.out.println("[signals] " + down + "\n[signals] " + back);
            assertThat(granted).isEqualTo(60);
            assertThat(down).hasSize(1);
            assertThat(down.get(0)).contains("is down: ").contains("Connection refused");
            assertThat(back).hasSize(1);
            assertThat(back.get(0)).contains("is back after");
        }
    }
}
