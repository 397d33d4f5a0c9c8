package io.github.redlock.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RedisNodesIntegrationTests {

    @Test
    void startsIndependentNodesOnDistinctPortsInOrder() {
        try (RedisNodes nodes = RedisNodes.start(3)) {
            assertThat(nodes.size()).isEqualTo(3);
            List<RedisNode> iterated = new ArrayList<>();
            nodes.forEach(iterated::add);
            assertThat(iterated).containsExactly(nodes.node(0), nodes.node(1), nodes.node(2));
            assertThat(nodes.stream()).containsExactlyElementsOf(iterated);
            assertThat(nodes.uris()).containsExactly(nodes.node(0).uri(), nodes.node(1).uri(), nodes.node(2).uri());
            assertThat(nodes.uris()).allMatch(uri -> uri.matches("redis://127\\.0\\.0\\.1:\\d+"));
            assertThat(nodes.stream().map(RedisNode::port).collect(Collectors.toSet())).hasSize(3);
            assertThat(nodes.stream().map(RedisNode::pid).collect(Collectors.toSet())).hasSize(3);
            assertThatThrownBy(() -> nodes.node(3)).isInstanceOf(IndexOutOfBoundsException.class);

            nodes.node(0).command("SET", "k", "only-on-node-0");

            assertThat(nodes.node(1).command("GET", "k")).isNull();
            assertThat(nodes.node(2).command("INFO", "replication").toString()).contains("connected_slaves:0");
        }
    }

    @Test
    void closeKillsEveryNode() {
        RedisNodes nodes = RedisNodes.start(3);
        Set<Long> pids = nodes.stream().map(RedisNode::pid).collect(Collectors.toSet());
        nodes.node(1).pause();

        nodes.close();

        assertThat(pids).noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        assertThat(nodes.stream()).noneMatch(RedisNode::isRunning);
        nodes.close();
    }

    @Test
    void healBringsEveryNodeBackEmptyOnItsPort() {
        try (RedisNodes nodes = RedisNodes.start(4)) {
            List<Integer> ports = nodes.stream().map(RedisNode::port).collect(Collectors.toList());
            long pausedPid = nodes.node(2).pid();
            long clientPausedPid = nodes.node(3).pid();
            String sha = (String) nodes.node(3).command("SCRIPT", "LOAD", "return 1");
            nodes.forEach(node -> node.command("SET", "k", "v"));
            nodes.node(0).kill();
            nodes.node(1).stop();
            nodes.node(2).pause();
            nodes.node(3).command("CLIENT", "PAUSE", "60000", "WRITE");

            nodes.heal();

            assertThat(nodes.stream().map(RedisNode::port).collect(Collectors.toList())).isEqualTo(ports);
            for (RedisNode node : nodes) {
                assertThat(node.command(Duration.ofSeconds(2), "DBSIZE")).as("%s", node).isEqualTo(0L);
            }
            assertThat(nodes.node(2).isPaused()).isFalse();
            assertThat(nodes.node(2).pid()).as("a paused node is resumed, not restarted").isEqualTo(pausedPid);
            assertThat(nodes.node(3).pid()).as("a node with paused writes is unpaused, not restarted").isEqualTo(clientPausedPid);
            assertThat(nodes.node(3).command("SCRIPT", "EXISTS", sha)).isEqualTo(List.of(0L));
        }
    }

    @Test
    void healRestartsANodeThatDoesNotAnswer() throws IOException {
        try (RedisNodes nodes = RedisNodes.start(1)) {
            RedisNode node = nodes.node(0);
            assumeTrue(node.binary().supportsEnableDebugCommand(), "DEBUG needs --enable-debug-command (Redis 7+)");
            long pid = node.pid();
            try (RawConnection connection = new RawConnection(node.port(), Duration.ofMillis(200))) {
                connection.send("DEBUG", "SLEEP", "60");
                assertThatThrownBy(() -> node.command(Duration.ofMillis(200), "PING"))
                        .hasCauseInstanceOf(SocketTimeoutException.class);

                nodes.heal();
            }

            assertThat(node.pid()).isNotEqualTo(pid);
            assertThat(node.command("PING")).isEqualTo("PONG");
        }
    }
}
