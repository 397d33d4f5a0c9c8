package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.redlock.InvalidRedlockSettingException;
import io.github.redlock.Lease;
import io.github.redlock.LockResult;
import io.github.redlock.NodeHealth;
import io.github.redlock.NodeStatus;
import io.github.redlock.Redlock;
import io.github.redlock.test.RedisNodesExtension;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One server, one vote: the same Redis server listed under two addresses (127.0.0.1 and localhost)
 * is found by its {@code run_id} and refused at startup, or not counted when the quorum is not
 * required on startup; fewer than 3 servers are warned about.
 */
@Timeout(60)
class SafetyAliasIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(2);

    /** A password with characters that must be percent-encoded in a URI. */
    private static final String PASSWORD = "s3cr3t:P@ss/w%rd";
    private static final String ENCODED = URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8);

    private static Redlock.Builder builder(List<String> servers) {
        return Redlock.builder().servers(servers).timeout(Duration.ofMillis(500)).connectTimeout(Duration.ofSeconds(2))
                .retryCount(1).retryDelay(Duration.ofMillis(20));
    }

    @Test
    void theSameServerUnderTwoAddressesIsRefusedAtStartupNamingBothEntriesWithoutThePassword() {
        for (int i = 0; i < 2; i++) {
            redis.node(i).command("ACL", "SETUSER", "locker", "reset", "on", ">" + PASSWORD, "~*", "+@all");
        }
        int port = redis.node(0).port();
        List<String> servers = List.of("redis://locker:" + ENCODED + "@127.0.0.1:" + port,
                "redis://locker:" + ENCODED + "@127.0.0.1:" + redis.node(1).port(),
                "redis://locker:" + ENCODED + "@localhost:" + port);

        Throwable failure = catchThrowable(() -> builder(servers).build().close());

        assertThat(failure).isInstanceOf(InvalidRedlockSettingException.class);
        assertThat(failure.getMessage())
                .contains("servers[0] redis://locker:****@127.0.0.1:" + port + " and servers[2] redis://locker:****@localhost:"
                        + port + " are the same Redis server (run_id ")
                .contains("list each server once; a quorum needs independent servers")
                .doesNotContain(PASSWORD, ENCODED);
        assertThat(((InvalidRedlockSettingException) failure).serverIndex()).hasValue(2);
    }

    @Test
    void withoutQuorumOnStartupTheAliasIsNotCountedAndSaidSoOnce() {
        int port = redis.node(0).port();
        int down = redis.node(1).port();
        redis.node(1).stop();
        List<String> servers = List.of("redis://127.0.0.1:" + port, "redis://127.0.0.1:" + down, "redis://localhost:" + port);
        try (LogCapture log = new LogCapture();
                Redlock redlock = builder(servers).requireQuorumOnStartup(false).build()) {
            // A plain SET NX on the same server twice is refused the second time; a lock-or-extend
            // is not: the second entry renews what the first set, and one server casts two votes.
            Optional<Lease> lease = redlock.lock("alias", Duration.ofSeconds(10), "host-a", true);
            lease.ifPresent(redlock::release);
            LockResult plain = redlock.tryLock("alias", Duration.ofSeconds(10));
            plain.lease().ifPresent(redlock::release);

            assertThat(lease).as("granted by one server counted twice").isEmpty();
            assertThat(plain.isAcquired()).isFalse();
            assertThat(plain.nodes().get(0).status()).isEqualTo(NodeStatus.OK);
            assertThat(plain.nodes().get(2).status()).isEqualTo(NodeStatus.ERROR);
            assertThat(plain.nodes().get(2).detail()).contains("not counted").contains("servers[0]");
            NodeHealth alias = redlock.checkNodes().get(2);
            assertThat(alias.up()).isFalse();
            assertThat(alias.error()).contains("not counted");
            List<String> warnings = log.records().stream().filter(r -> r.level() == Level.WARNING)
                    .map(LogCapture.Captured::text)
                    .filter(text -> text.contains("are the same Redis server") && text.contains("is not counted")).toList();
            assertThat(warnings).hasSize(1);
            assertThat(warnings.get(0)).contains("servers[0] redis://127.0.0.1:" + port)
                    .contains("servers[2] redis://localhost:" + port);
        }
    }

    /** Both entries of one server are down at startup: when it starts, the second to connect is taken out. */
    @Test
    void anAliasUnreachableAtStartupIsNotCountedOnceItConnects() {
        int up = redis.node(0).port();
        int down = redis.node(1).port();
        redis.node(1).stop();
        List<String> servers = List.of("redis://127.0.0.1:" + up, "redis://127.0.0.1:" + down, "redis://localhost:" + down);
        try (LogCapture log = new LogCapture();
                Redlock redlock = builder(servers).requireQuorumOnStartup(false).reconnectInterval(Duration.ofMillis(100))
                        .build()) {
            redis.node(1).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (log.records().stream().noneMatch(r -> r.text().contains("unreachable at startup, is not counted"))) {
                assertThat(System.nanoTime() - deadline).as("waiting for the alias warning").isNegative();
                Nodes.sleep(Duration.ofMillis(20));
            }
            redis.node(0).stop();
            // Only the aliased server is up: counted twice it would grant an extend-or-create (2 of 3).
            Optional<Lease> lease = redlock.lock("alias-late", Duration.ofSeconds(10), "host-a", true);
            lease.ifPresent(redlock::release);

            assertThat(lease).as("granted by one server counted twice").isEmpty();
            assertThat(log.records().stream().filter(r -> r.text().contains("are the same Redis server")).count())
                    .isEqualTo(1);
        }
    }

    @Test
    void fewerThanThreeServersAreWarnedAboutOnceSayingWhatTheQuorumTolerates() {
        try (LogCapture log = new LogCapture()) {
            builder(List.of(redis.node(0).uri())).build().close();
            builder(List.of(redis.node(0).uri(), redis.node(1).uri())).build().close();

            List<String> warnings = log.records().stream().filter(r -> r.level() == Level.WARNING)
                    .map(LogCapture.Captured::text).filter(text -> text.contains("quorum")).toList();
            assertThat(warnings).hasSize(2);
            assertThat(warnings.get(0)).contains("1 Redis server").contains("no fault tolerance");
            assertThat(warnings.get(1)).contains("2 Redis servers").contains("quorum 2, none may fail");
        }
    }
}
