package io.github.redlock.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * Runs small test classes that use the extension, and checks from outside what it did: when
 * nodes started, whether tests shared them, and that none is left running afterwards. The nested
 * classes are not run by Failsafe themselves (their names do not end in IntegrationTests).
 */
@Timeout(60)
class RedisNodesExtensionLifecycleIntegrationTests {

    /** What each test of the classes below saw: its nodes' pids and ports. */
    static final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void clear() {
        seen.clear();
    }

    @Test
    void aStaticFieldStartsNodesOnceForTheClassAndStopsThemAfterAll() {
        run(StaticFieldUse.class).testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));

        assertThat(seen).hasSize(2);
        assertThat(seen.get(0).pids).hasSize(3).isEqualTo(seen.get(1).pids);
        assertThat(seen.get(0).ports).doesNotHaveDuplicates();
        assertGone(seen);
    }

    @Test
    void anInstanceFieldStartsFreshNodesForEachTestAndStopsThemAfterEach() {
        run(InstanceFieldUse.class).testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));

        assertThat(seen).hasSize(2);
        assertThat(seen.get(0).pids).hasSize(2).doesNotContainAnyElementsOf(seen.get(1).pids);
        assertThat(seen.get(1).stillAliveFromBefore).as("nodes of the first test were stopped after it").isFalse();
        assertGone(seen);
    }

    @Test
    void nestedClassesShareTheNodesOfTheClassThatDeclaresTheField() {
        run(StaticFieldWithNestedUse.class).testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));

        assertThat(seen).hasSize(2);
        assertThat(seen.get(0).pids).isEqualTo(seen.get(1).pids);
        assertGone(seen);
    }

    @Test
    void optionsReachTheNodesAndProxiedUrisCarryThePassword() {
        run(PasswordUse.class).testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));

        assertGone(seen);
    }

    @Test
    void nodesThatCannotStartFailTheClassWithTheReason() {
        EngineExecutionResults results = run(FailingStartUse.class);

        results.containerEvents().assertThatEvents().haveExactly(1, event(finishedWithFailure(
                instanceOf(IllegalStateException.class), message(m -> m.contains("no-such-directive")))));
        results.testEvents().assertStatistics(stats -> stats.started(0));
    }

    private static EngineExecutionResults run(Class<?> testClass) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass)).execute();
    }

    private static void assertGone(List<Seen> seenByTests) {
        for (Seen s : seenByTests) {
            assertThat(s.pids).noneMatch(RedisNodesExtensionLifecycleIntegrationTests::isAlive);
            assertThat(s.ports).allMatch(Loopback::refusesConnections);
        }
    }

    private static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    static final class Seen {
        final List<Long> pids;
        final List<Integer> ports;
        final boolean stillAliveFromBefore;

        Seen(RedisNodesExtension redis) {
            this.pids = redis.nodes().stream().map(RedisNode::pid).collect(Collectors.toList());
            this.ports = redis.nodes().stream().map(RedisNode::port).collect(Collectors.toList());
            this.stillAliveFromBefore = !seen.isEmpty() && seen.get(seen.size() - 1).pids.stream().anyMatch(
                    RedisNodesExtensionLifecycleIntegrationTests::isAlive);
        }
    }

    static class StaticFieldUse {
        @RegisterExtension
        static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

        @Test
        void first() {
            seen.add(new Seen(redis));
        }

        @Test
        void second() {
            seen.add(new Seen(redis));
        }
    }

    static class InstanceFieldUse {
        @RegisterExtension
        final RedisNodesExtension redis = RedisNodesExtension.withNodes(2).withProxies();

        @Test
        void first() {
            seen.add(new Seen(redis));
            assertThat(redis.proxiedUris()).hasSize(2);
        }

        @Test
        void second() {
            seen.add(new Seen(redis));
            assertThat(redis.proxiedUris()).hasSize(2);
        }
    }

    static class StaticFieldWithNestedUse {
        @RegisterExtension
        static final RedisNodesExtension redis = RedisNodesExtension.withNodes(1);

        @Test
        void outer() {
            seen.add(new Seen(redis));
        }

        @Nested
        class Inner {
            @Test
            void inner() {
                seen.add(new Seen(redis));
            }
        }
    }

    static class PasswordUse {
        @RegisterExtension
        static final RedisNodesExtension redis = RedisNodesExtension.withNodes(2)
                .withProxies()
                .withOptions(RedisNodeOptions.defaults().withPassword("p@ss"));

        @Test
        void usesThePassword() {
            seen.add(new Seen(redis));
            for (int i = 0; i < 2; i++) {
                assertThat(redis.uris().get(i)).isEqualTo("redis://:p%40ss@127.0.0.1:" + redis.node(i).port());
                assertThat(redis.proxiedUris().get(i)).isEqualTo("redis://:p%40ss@127.0.0.1:" + redis.proxy(i).port());
                RedisClient client = RedisClient.create(redis.proxiedUris().get(i));
                try (StatefulRedisConnection<String, String> connection = client.connect()) {
                    assertThat(connection.sync().ping()).isEqualTo("PONG");
                } finally {
                    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                }
            }
        }
    }

    static class FailingStartUse {
        @RegisterExtension
        static final RedisNodesExtension redis = RedisNodesExtension.withNodes(2)
                .withOptions(RedisNodeOptions.defaults().withExtraArgs(List.of("--no-such-directive", "x")));

        @Test
        void neverRuns() {
            seen.add(new Seen(redis));
        }
    }
}
