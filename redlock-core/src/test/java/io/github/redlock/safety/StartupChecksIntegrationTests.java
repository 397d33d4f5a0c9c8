package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Redlock;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The startup check of each node's {@code maxmemory-policy}: one WARN per node whose policy may
 * evict lock keys, read with CONFIG GET, or from INFO memory when an ACL refuses CONFIG, and nothing
 * when the ACL refuses both.
 */
@Timeout(60)
class StartupChecksIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final String USER = "locker";
    private static final String PASSWORD = "s3cret";

    @AfterEach
    void restore() {
        for (int i = 0; i < 3; i++) {
            redis.node(i).command("CONFIG", "SET", "maxmemory-policy", "noeviction");
            redis.node(i).command("ACL", "DELUSER", USER);
        }
    }

    private static Redlock engine() {
        List<String> servers = List.of(0, 1, 2).stream()
                .map(i -> "redis://" + USER + ":" + PASSWORD + "@127.0.0.1:" + redis.node(i).port()).toList();
        return Redlock.builder().servers(servers).timeout(Duration.ofMillis(500)).build();
    }

    private static void user(int node, String... rules) {
        List<String> args = new java.util.ArrayList<>(List.of("ACL", "SETUSER", USER, "reset", "on", ">" + PASSWORD,
                "~*", "+@all"));
        args.addAll(List.of(rules));
        redis.node(node).command(args.toArray(String[]::new));
    }

    private static List<String> evictionWarnings(LogCapture log) {
        return log.records().stream().filter(r -> r.level() == Level.WARNING).map(LogCapture.Captured::text)
                .filter(text -> text.contains("has maxmemory-policy")).toList();
    }

    private static List<String> awaitWarnings(LogCapture log, int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (evictionWarnings(log).size() < count) {
            assertThat(System.nanoTime() - deadline).as("waiting for %s warnings", count).isNegative();
            Nodes.sleep(Duration.ofMillis(20));
        }
        return evictionWarnings(log);
    }

    @Test
    void eachNodeThatMayEvictLockKeysIsWarnedAboutOnce() {
        redis.node(0).command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
        redis.node(1).command("CONFIG", "SET", "maxmemory-policy", "volatile-ttl");
        for (int i = 0; i < 3; i++) {
            user(i);
        }
        try (LogCapture log = new LogCapture(); Redlock redlock = engine()) {
            List<String> warnings = awaitWarnings(log, 2);
            redlock.tryLock("after-startup", Duration.ofSeconds(5)).lease().ifPresent(redlock::release);

            assertThat(evictionWarnings(log)).hasSize(2);
            assertThat(warnings).anySatisfy(w -> assertThat(w).contains("127.0.0.1:" + redis.node(0).port())
                    .contains("maxmemory-policy allkeys-lru").contains("noeviction"));
            assertThat(warnings).anySatisfy(w -> assertThat(w).contains("127.0.0.1:" + redis.node(1).port())
                    .contains("maxmemory-policy volatile-ttl"));
            assertThat(warnings).noneSatisfy(w -> assertThat(w).contains(String.valueOf(redis.node(2).port())));
            assertThat(warnings).allSatisfy(w -> assertThat(w).doesNotContain(PASSWORD));
        }
    }

    @Test
    void anAclWithoutConfigIsReadFromInfoAndOneWithoutEitherStaysSilent() {
        redis.node(0).command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
        redis.node(1).command("CONFIG", "SET", "maxmemory-policy", "allkeys-random");
        user(0, "-config");
        user(1, "-config", "-info");
        user(2);
        try (LogCapture log = new LogCapture(); Redlock redlock = engine()) {
            List<String> warnings = awaitWarnings(log, 1);
            // Node 1's refusals come back on the same connection before these round trips do.
            for (int i = 0; i < 3; i++) {
                redlock.tryLock("after-startup-" + i, Duration.ofSeconds(5)).lease().ifPresent(redlock::release);
            }

            assertThat(evictionWarnings(log)).hasSize(1);
            assertThat(warnings.get(0)).contains("127.0.0.1:" + redis.node(0).port()).contains("allkeys-lru");
        }
    }
}
