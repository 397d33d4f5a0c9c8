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
 * The checks of each node after each connection: one WARN per node whose {@code maxmemory-policy}
 * may evict lock keys while a {@code maxmemory} is set, read with CONFIG GET, or from INFO memory
 * when an ACL refuses CONFIG, and nothing when the ACL refuses both; one WARN per node whose ACL
 * refuses a command every lock needs (an INFO for optional ones); both again after a reconnection,
 * once per change.
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
            redis.node(i).command("CONFIG", "SET", "maxmemory", "0");
            redis.node(i).command("ACL", "DELUSER", USER);
            redis.node(i).command("ACL", "LOG", "RESET");
        }
    }

    private static Redlock engine() {
        return engine(List.of(0, 1, 2).stream().map(StartupChecksIntegrationTests::uri).toList());
    }

    private static Redlock engine(List<String> servers) {
        return Redlock.builder().servers(servers).timeout(Duration.ofMillis(500))
                .reconnectInterval(Duration.ofMillis(100)).requireQuorumOnStartup(false).build();
    }

    private static String uri(int node) {
        return "redis://" + USER + ":" + PASSWORD + "@127.0.0.1:" + redis.node(node).port();
    }

    private static void user(int node, String... rules) {
        List<String> args = new java.util.ArrayList<>(List.of("ACL", "SETUSER", USER, "reset", "on", ">" + PASSWORD,
                "~*", "&*", "+@all"));
        args.addAll(List.of(rules));
        redis.node(node).command(args.toArray(String[]::new));
    }

    private static List<String> evictionWarnings(LogCapture log) {
        return log.records().stream().filter(r -> r.level() == Level.WARNING).map(LogCapture.Captured::text)
                .filter(text -> text.contains("has maxmemory-policy")).toList();
    }

    private static List<String> aclWarnings(LogCapture log) {
        return lines(log, Level.WARNING, "may not run");
    }

    private static List<String> lines(LogCapture log, Level level, String containing) {
        return log.records().stream().filter(r -> r.level() == level).map(LogCapture.Captured::text)
                .filter(text -> text.contains(containing)).toList();
    }

    private static List<String> awaitWarnings(LogCapture log, int count) {
        await(() -> evictionWarnings(log).size() >= count, count + " eviction warnings");
        return evictionWarnings(log);
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waiting for %s", what).isNegative();
            Nodes.sleep(Duration.ofMillis(20));
        }
    }

    /** The DEBUG lines that say a node's checks ran after a connection and found nothing new. */
    private static long unchanged(LogCapture log, int node, String check) {
        return lines(log, Level.FINE, "127.0.0.1:" + redis.node(node).port()).stream()
                .filter(text -> text.contains(check + " unchanged")).count();
    }

    /** Kills the engine's connections to {@code node}, which it then replaces. */
    private static void reconnect(int node) {
        assertThat((Long) redis.node(node).command("CLIENT", "KILL", "USER", USER)).isPositive();
    }

    @Test
    void eachNodeThatMayEvictLockKeysIsWarnedAboutOnce() {
        redis.node(0).command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
        redis.node(1).command("CONFIG", "SET", "maxmemory-policy", "volatile-ttl");
        redis.node(0).command("CONFIG", "SET", "maxmemory", "100mb");
        redis.node(1).command("CONFIG", "SET", "maxmemory", "100mb");
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
        redis.node(0).command("CONFIG", "SET", "maxmemory", "100mb");
        redis.node(1).command("CONFIG", "SET", "maxmemory", "100mb");
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

    @Test
    void anEvictingPolicyWithoutMaxmemoryEvictsNothingAndIsAnInfoNotAWarning() {
        redis.node(0).command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
        for (int i = 0; i < 3; i++) {
            user(i);
        }
        try (LogCapture log = new LogCapture(); Redlock redlock = engine()) {
            await(() -> !lines(log, Level.INFO, "maxmemory 0").isEmpty(), "the INFO about node 0");
            await(() -> unchanged(log, 1, "maxmemory-policy") + unchanged(log, 2, "maxmemory-policy") == 2,
                    "the checks of nodes 1 and 2");

            assertThat(evictionWarnings(log)).as("WARN lines about eviction").isEmpty();
            assertThat(lines(log, Level.INFO, "maxmemory 0")).singleElement().satisfies(line -> assertThat(line)
                    .contains("127.0.0.1:" + redis.node(0).port()).contains("allkeys-lru").contains("noeviction"));
            assertThat(redlock.nodes()).hasSize(3);
        }
    }

    @Test
    void anAclThatRefusesACommandTheEngineNeedsIsWarnedAboutOncePerNodeNamingTheFix() {
        user(0, "-evalsha", "-pexpire", "-publish");
        user(1, "-publish");
        user(2);
        try (LogCapture log = new LogCapture(); Redlock redlock = engine()) {
            await(() -> aclWarnings(log).size() == 1 && !lines(log, Level.INFO, "may not run").isEmpty()
                    && unchanged(log, 2, "ACL") == 1, "the ACL checks of all 3 nodes");

            assertThat(aclWarnings(log)).singleElement().satisfies(line -> assertThat(line)
                    .contains("127.0.0.1:" + redis.node(0).port()).contains("'" + USER + "'")
                    .contains("EVALSHA, PEXPIRE").contains("ACL SETUSER " + USER + " +evalsha +pexpire")
                    .contains("PUBLISH").doesNotContain(PASSWORD));
            assertThat(lines(log, Level.INFO, "may not run")).singleElement().satisfies(line -> assertThat(line)
                    .contains("127.0.0.1:" + redis.node(1).port()).contains("PUBLISH").contains("+publish")
                    .doesNotContain("EVALSHA").doesNotContain(PASSWORD));
            assertThat(redlock.nodes()).hasSize(3);
        }
    }

    @Test
    void aNodeIsCheckedAgainAfterEachReconnectionAndWarnedAboutOncePerChange() {
        for (int i = 0; i < 3; i++) {
            user(i);
        }
        try (LogCapture log = new LogCapture(); Redlock redlock = engine()) {
            await(() -> unchanged(log, 0, "ACL") == 1 && unchanged(log, 0, "maxmemory-policy") == 1, "the first checks");

            // The node comes back with another configuration.
            redis.node(0).command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
            redis.node(0).command("CONFIG", "SET", "maxmemory", "100mb");
            user(0, "-evalsha");
            reconnect(0);
            await(() -> evictionWarnings(log).size() == 1 && aclWarnings(log).size() == 1, "the warnings after the change");

            // Again with the same configuration: checked, not warned about again.
            reconnect(0);
            await(() -> unchanged(log, 0, "ACL") == 2 && unchanged(log, 0, "maxmemory-policy") == 2,
                    "the checks after the second reconnection");

            // Fixed: said once at INFO.
            redis.node(0).command("CONFIG", "SET", "maxmemory-policy", "noeviction");
            user(0);
            reconnect(0);
            await(() -> !lines(log, Level.INFO, "now has maxmemory-policy noeviction").isEmpty()
                    && !lines(log, Level.INFO, "ACL now allows").isEmpty(), "the INFO lines after the fix");

            assertThat(evictionWarnings(log)).singleElement().satisfies(line -> assertThat(line)
                    .contains("127.0.0.1:" + redis.node(0).port()).contains("allkeys-lru"));
            assertThat(aclWarnings(log)).singleElement().satisfies(line -> assertThat(line).contains("EVALSHA"));
            assertThat(redlock.tryLock("after-the-fix", Duration.ofSeconds(5)).lease()).isPresent();
        }
    }

    @Test
    void aKeyPatternThatDoesNotCoverTheCheckedKeyIsAnInfoAboutThePatternNotAWarning() {
        // Locks on orders:* work for this user; the check's own key (redlock-acl-check) is not covered.
        for (int i = 0; i < 3; i++) {
            user(i, "resetkeys", "~orders:*");
        }
        try (LogCapture log = new LogCapture(); Redlock redlock = engine()) {
            await(() -> lines(log, Level.INFO, "key pattern").size() == 3, "the INFO lines about the key pattern");
            assertThat(redlock.tryLock("orders:1", Duration.ofSeconds(5)).lease()).as("a lock on orders:1").isPresent();

            assertThat(aclWarnings(log)).as("WARN lines about the ACL").isEmpty();
            assertThat(lines(log, Level.INFO, "key pattern")).allSatisfy(line -> assertThat(line)
                    .contains("cannot tell").contains("'" + USER + "'").contains("prefix ''")
                    .doesNotContain("locks fail").doesNotContain(PASSWORD));
        }
    }

    @Test
    void aRefusedPingIsWarnedAboutWithWhatItCostsNotAsIfLocksFailed() {
        user(0, "-ping");
        user(1);
        user(2);
        try (LogCapture log = new LogCapture(); Redlock redlock = engine()) {
            await(() -> aclWarnings(log).size() == 1, "the WARN about node 0");

            assertThat(aclWarnings(log)).singleElement().satisfies(line -> assertThat(line)
                    .contains("127.0.0.1:" + redis.node(0).port()).contains("PING").contains("health")
                    .contains("ACL SETUSER " + USER + " +ping")
                    .doesNotContain("every lock needs").doesNotContain("locks fail"));
            assertThat(redlock.tryLock("with-ping-refused", Duration.ofSeconds(5)).lease()).isPresent();
        }
    }

    @Test
    void anAclRefusingEvalIsWarnedAboutNamingEvalAndThatTheRestCouldNotBeChecked() {
        user(0, "-eval");
        user(1);
        user(2);
        try (LogCapture log = new LogCapture(); Redlock redlock = engine()) {
            await(() -> aclWarnings(log).size() == 1, "the WARN about node 0");

            assertThat(aclWarnings(log)).singleElement().satisfies(line -> assertThat(line)
                    .contains("127.0.0.1:" + redis.node(0).port()).contains("may not run EVAL ")
                    .contains("locks fail on this node")
                    .contains("the other commands are checked by a script, so they could not be")
                    .contains("ACL SETUSER " + USER + " +eval").doesNotContain(PASSWORD));
            assertThat(redlock.nodes()).hasSize(3);
        }
    }

    @Test
    void theMemoryCheckAsksInfoFirstSoTheRecommendedAclWithoutConfigLeavesNoRefusalInTheAclLog() {
        for (int i = 0; i < 3; i++) {
            user(i, "-config");
        }
        try (LogCapture log = new LogCapture(); Redlock redlock = engine()) {
            await(() -> unchanged(log, 0, "maxmemory-policy") + unchanged(log, 1, "maxmemory-policy")
                    + unchanged(log, 2, "maxmemory-policy") == 3, "the memory checks of the 3 nodes");
            reconnect(0);
            await(() -> unchanged(log, 0, "maxmemory-policy") == 2, "the memory check after the reconnection");

            for (int i = 0; i < 3; i++) {
                assertThat(String.valueOf(redis.node(i).command("ACL", "LOG")).toLowerCase(java.util.Locale.ROOT))
                        .as("ACL LOG of node %d", i).doesNotContain("config");
            }
            assertThat(redlock.nodes()).hasSize(3);
        }
    }

    @Test
    void anAliasOfAnotherEntryIsNotCheckedSoOneServerIsWarnedAboutOnce() {
        user(0, "-evalsha");
        user(1);
        user(2);
        // servers[3] is node 0 again, under another host name: excluded as an alias.
        List<String> servers = List.of(uri(0), uri(1), uri(2), uri(0).replace("127.0.0.1", "localhost"));
        try (LogCapture log = new LogCapture(); Redlock redlock = engine(servers)) {
            await(() -> aclWarnings(log).size() >= 1 && unchanged(log, 1, "ACL") == 1 && unchanged(log, 2, "ACL") == 1,
                    "the ACL checks");
            for (int i = 0; i < 3; i++) {
                redlock.tryLock("alias-" + i, Duration.ofSeconds(5)).lease().ifPresent(redlock::release);
            }

            assertThat(aclWarnings(log)).as("WARN lines about the ACL").singleElement().satisfies(line ->
                    assertThat(line).contains("127.0.0.1:" + redis.node(0).port() + ":").doesNotContain("localhost"));
        }
    }

    /** The minimal user of docs/safety.md, every feature included, for {@code keyPrefix("lock:")}. */
    static final List<String> DOCUMENTED_ACL = List.of("~lock:*", "resetchannels", "&redlock:released:lock:*", "-@all",
            "+set", "+get", "+del", "+pexpire", "+eval", "+evalsha", "+script|load", "+ping", "+info",
            "+publish", "+subscribe", "+unsubscribe",
            "+zadd", "+zrange", "+zrem", "+pttl", "+time",
            "+hget", "+hmget", "+hset");

    @Test
    void aUserWithoutTheWaitingLineReleasesWithoutRefusalsInTheAclLog() {
        // safety.md: drop "+zadd +zrange +zrem +pttl +time" if no call waits. A release then must not
        // look at the waiter queue once the check after connecting has seen that.
        List<String> rules = new java.util.ArrayList<>(List.of("ACL", "SETUSER", USER, "reset", "on", ">" + PASSWORD));
        rules.addAll(DOCUMENTED_ACL.stream().filter(rule -> !List.of("+zadd", "+zrange", "+zrem", "+pttl", "+time")
                .contains(rule)).toList());
        for (int i = 0; i < 3; i++) {
            redis.node(i).command(rules.toArray(String[]::new));
        }
        List<String> servers = List.of(0, 1, 2).stream().map(StartupChecksIntegrationTests::uri).toList();
        try (Redlock redlock = Redlock.builder().servers(servers).keyPrefix("lock:").timeout(Duration.ofMillis(500)).build()) {
            await(() -> {
                for (int i = 0; i < 3; i++) {
                    redis.node(i).command("ACL", "LOG", "RESET");
                }
                redlock.tryLock("no-waiting", Duration.ofSeconds(5)).lease().orElseThrow().release();
                return List.of(0, 1, 2).stream().noneMatch(i -> String.valueOf(redis.node(i).command("ACL", "LOG"))
                        .contains("lua"));
            }, "a lock and release that leaves no refusal in a script in the ACL LOG of any node");
        }
    }

    @Test
    void theDocumentedMinimalAclGetsNoFindingAndLeavesNoRefusalInTheAclLog() {
        List<String> rules = new java.util.ArrayList<>(List.of("ACL", "SETUSER", USER, "reset", "on", ">" + PASSWORD));
        rules.addAll(DOCUMENTED_ACL);
        for (int i = 0; i < 3; i++) {
            redis.node(i).command(rules.toArray(String[]::new));
        }
        List<String> servers = List.of(0, 1, 2).stream().map(StartupChecksIntegrationTests::uri).toList();
        try (LogCapture log = new LogCapture(); Redlock redlock = Redlock.builder().servers(servers)
                .keyPrefix("lock:").timeout(Duration.ofMillis(500)).build()) {
            await(() -> List.of(0, 1, 2).stream().allMatch(i -> unchanged(log, i, "ACL") == 1
                    && unchanged(log, i, "maxmemory-policy") == 1), "the checks of the 3 nodes");
            assertThat(redlock.tryLock("documented", Duration.ofSeconds(5)).lease()).isPresent();

            assertThat(log.records().stream().map(LogCapture.Captured::text)
                    .filter(text -> text.contains("may not run") || text.contains("key pattern")).toList())
                    .as("ACL findings").isEmpty();
            for (int i = 0; i < 3; i++) {
                assertThat((List<?>) redis.node(i).command("ACL", "LOG")).as("ACL LOG of node %d", i).isEmpty();
            }
        }
    }
}
