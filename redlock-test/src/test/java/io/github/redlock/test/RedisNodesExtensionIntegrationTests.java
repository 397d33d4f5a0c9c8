package io.github.redlock.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension as a static field: one set of nodes for the class, healed before each test. */
@TestMethodOrder(OrderAnnotation.class)
@Timeout(60)
class RedisNodesExtensionIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(5).withProxies();

    private static RedisNodes nodesAtStart;
    private static List<Integer> ports;
    private static List<Long> pids;

    @BeforeAll
    static void recordTheNodes() {
        nodesAtStart = redis.nodes();
        ports = nodesAtStart.stream().map(RedisNode::port).collect(Collectors.toList());
        pids = nodesAtStart.stream().map(RedisNode::pid).collect(Collectors.toList());
    }

    @Test
    @Order(1)
    void startsFiveNodesOnDistinctPortsEachBehindItsOwnProxy() {
        assertThat(redis.nodes().size()).isEqualTo(5);
        assertThat(redis.uris()).hasSize(5).doesNotHaveDuplicates()
                .allMatch(uri -> uri.matches("redis://127\\.0\\.0\\.1:\\d+"));
        assertThat(redis.proxiedUris()).hasSize(5).doesNotHaveDuplicates()
                .doesNotContainAnyElementsOf(redis.uris());
        for (int i = 0; i < 5; i++) {
            assertThat(redis.node(i).command("PING")).isEqualTo("PONG");
            assertThat(redis.proxiedUris().get(i)).isEqualTo(redis.proxy(i).uri());
            redis.node(i).command("SET", "node", Integer.toString(i));
            assertThat(viaProxy(i, "GET", "node")).as("proxy %d leads to node %d", i, i).isEqualTo(Integer.toString(i));
        }
    }

    @Test
    @Order(2)
    void aTestThatBreaksEverything() throws IOException {
        redis.nodes().forEach(node -> node.command("SET", "leftover", "x"));
        redis.node(4).command("SCRIPT", "LOAD", "return 1");
        redis.node(0).kill();
        redis.node(1).stop();
        redis.node(2).pause();
        redis.proxy(0).blackhole();
        redis.proxy(1).dropReplies();
        redis.proxy(2).delay(Duration.ofMinutes(5));
        redis.proxy(3).blackhole();
        long accepted = redis.proxy(3).acceptedConnections();
        leftOpen = new RawConnection(redis.proxy(3).port(), Duration.ofSeconds(5));
        // connect() returns once the kernel queued the connection; the proxy accepts it a moment
        // later, and a connection it has not seen yet is not closed by the heal.
        Poll.await("proxy 3 accepting the connection", Duration.ofSeconds(5),
                () -> redis.proxy(3).acceptedConnections() > accepted);

        assertThat(redis.node(0).isRunning()).isFalse();
        assertThat(redis.node(2).isPaused()).isTrue();
    }

    private static RawConnection leftOpen;

    @Test
    @Order(3)
    void theNextTestFindsEverythingHealed() throws IOException {
        assertThat(redis.nodes()).isSameAs(nodesAtStart);
        assertThat(redis.nodes().stream().map(RedisNode::port).collect(Collectors.toList())).isEqualTo(ports);
        for (int i = 0; i < 5; i++) {
            RedisNode node = redis.node(i);
            assertThat(node.isRunning()).isTrue();
            assertThat(node.isPaused()).isFalse();
            assertThat(node.command("DBSIZE")).as("keys on node %d", i).isEqualTo(0L);
            assertThat(redis.proxy(i).mode()).isEqualTo(FaultProxy.Mode.PASS);
            assertThat(viaProxy(i, "PING")).isEqualTo("PONG");
        }
        assertThat(redis.node(4).command("SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"))
                .isEqualTo(List.of(0L));
        assertThat(redis.node(2).pid()).as("paused node resumed, not restarted").isEqualTo(pids.get(2));
        assertThat(redis.node(3).pid()).as("healthy node left running").isEqualTo(pids.get(3));
        try (RawConnection faulted = leftOpen) {
            assertThat(faulted.readByte()).as("connections that saw a fault are closed").isEqualTo(-1);
        }
    }

    @Test
    @Order(4)
    void withoutProxiesThereAreNoProxiedUris() {
        RedisNodesExtension plain = RedisNodesExtension.withNodes(1);

        assertThatThrownBy(plain::proxiedUris).isInstanceOf(IllegalStateException.class);
    }

    @Nested
    class WhenNested {

        @Test
        void useTheSameNodesAsTheEnclosingClass() {
            assertThat(redis.nodes()).isSameAs(nodesAtStart);
            assertThat(IntStream.range(0, 5).mapToObj(i -> redis.node(i).command("PING")))
                    .containsOnly("PONG");
        }
    }

    private static Object viaProxy(int index, String... command) {
        return RespClient.call(Loopback.HOST, redis.proxy(index).port(), null, Duration.ofSeconds(2), command);
    }
}
