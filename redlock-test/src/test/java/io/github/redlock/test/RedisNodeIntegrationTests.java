package io.github.redlock.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RedisNodeIntegrationTests {

    private RedisNodes nodes;
    private RedisNode node;

    @BeforeEach
    void startNode() {
        nodes = RedisNodes.start(1);
        node = nodes.node(0);
    }

    @AfterEach
    void closeNode() {
        nodes.close();
    }

    @Test
    void runsCommandsAndDecodesTheirReplies() {
        assertThat(node.command("SET", "k", "v", "PX", "10000")).isEqualTo("OK");
        assertThat(node.command("GET", "k")).isEqualTo("v");
        assertThat((Long) node.command("PTTL", "k")).isBetween(1L, 10_000L);
        assertThat(node.command("GET", "missing")).isNull();
        assertThat(node.command("RPUSH", "list", "a", "b")).isEqualTo(2L);
        assertThat(node.command("LRANGE", "list", "0", "-1")).isEqualTo(List.of("a", "b"));
    }

    @Test
    void anErrorReplyIsThrown() {
        assertThatThrownBy(() -> node.command("NO-SUCH-COMMAND", "x"))
                .isInstanceOfSatisfying(RedisReplyException.class, e -> {
                    assertThat(e.code()).isEqualTo("ERR");
                    assertThat(e.command()).isEqualTo("NO-SUCH-COMMAND");
                });
    }

    @Test
    void listensOnLoopbackWithAUriAndALiveProcess() {
        assertThat(node.host()).isEqualTo("127.0.0.1");
        assertThat(node.uri()).isEqualTo("redis://127.0.0.1:" + node.port());
        assertThat(node.isRunning()).isTrue();
        assertThat(node.isPaused()).isFalse();
        assertThat(isAlive(node.pid())).isTrue();
        assertThat(infoField("tcp_port")).isEqualTo(Integer.toString(node.port()));
        assertThat(node.command("CONFIG", "GET", "save")).isEqualTo(List.of("save", ""));
        assertThat(node.command("CONFIG", "GET", "appendonly")).isEqualTo(List.of("appendonly", "no"));
    }

    @Test
    void aKilledNodeRefusesConnectionsAndStartBringsItBackOnTheSamePort() {
        int port = node.port();
        long pid = node.pid();

        node.kill();

        assertThat(node.isRunning()).isFalse();
        assertThat(isAlive(pid)).isFalse();
        assertThat(Loopback.refusesConnections(port)).isTrue();
        assertThatThrownBy(() -> node.command("PING"))
                .isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(ConnectException.class);

        node.start();

        assertThat(node.port()).isEqualTo(port);
        assertThat(node.pid()).isNotEqualTo(pid);
        assertThat(node.command("PING")).isEqualTo("PONG");
    }

    @Test
    void aStoppedNodeRefusesConnectionsAndStartBringsItBackOnTheSamePort() {
        int port = node.port();
        long pid = node.pid();

        node.stop();

        assertThat(node.isRunning()).isFalse();
        assertThat(isAlive(pid)).isFalse();
        assertThatThrownBy(() -> node.command("PING"))
                .isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(ConnectException.class);
        assertThat(node.logFile()).content().contains("ready to exit");

        node.start();

        assertThat(node.port()).isEqualTo(port);
        assertThat(node.command("PING")).isEqualTo("PONG");
    }

    @Test
    void killAndStopOfANodeThatIsDownDoNothing() {
        node.kill();

        node.kill();
        node.stop();

        assertThat(node.isRunning()).isFalse();
    }

    @Test
    void aPausedNodeTimesOutAndAnswersAgainAfterResume() {
        node.pause();

        assertThat(node.isPaused()).isTrue();
        assertThat(node.isRunning()).isTrue();
        assertThat(ProcessState.state(node.pid())).isEqualTo('T');
        assertThatThrownBy(() -> node.command(Duration.ofMillis(300), "PING"))
                .isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(SocketTimeoutException.class);

        node.resume();

        assertThat(node.isPaused()).isFalse();
        assertThat(node.command("PING")).isEqualTo("PONG");
    }

    @Test
    void aPausedNodeCanBeStoppedAndKilled() {
        node.pause();
        node.stop();
        assertThat(node.isRunning()).isFalse();

        node.start();
        node.pause();
        long pid = node.pid();
        node.kill();
        assertThat(isAlive(pid)).isFalse();
        assertThat(Loopback.refusesConnections(node.port())).isTrue();
    }

    @Test
    void aRestartedNodeHasLostItsKeysAndKeptItsPort() {
        int port = node.port();
        long pid = node.pid();
        node.command("SET", "k", "v");

        node.restart();

        assertThat(node.command("GET", "k")).isNull();
        assertThat(node.port()).isEqualTo(port);
        assertThat(node.pid()).isNotEqualTo(pid);
        assertThat(isAlive(pid)).isFalse();
    }

    @Test
    void controlsThatNeedARunningNodeSayWhy() {
        assertThatThrownBy(node::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("already running");

        node.kill();

        assertThatThrownBy(node::pause).isInstanceOf(IllegalStateException.class).hasMessageContaining("not running");
        assertThatThrownBy(node::resume).isInstanceOf(IllegalStateException.class).hasMessageContaining("not running");
    }

    @Test
    void closeKillsTheProcessDeletesTheDirectoryAndIsIdempotent() {
        long pid = node.pid();
        Path directory = node.logFile().getParent();
        assertThat(directory).isDirectory();

        node.close();

        assertThat(isAlive(pid)).isFalse();
        assertThat(node.isRunning()).isFalse();
        assertThat(Files.exists(directory)).isFalse();
        assertThat(FreePorts.isReserved(node.port())).isFalse();
        node.close();
        assertThatThrownBy(() -> node.command("PING")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(node::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeKillsAPausedNode() {
        long pid = node.pid();
        node.pause();

        node.close();

        assertThat(isAlive(pid)).isFalse();
    }

    @Test
    void debugCommandIsEnabledOnRedis7() {
        assumeTrue(node.binary().majorVersion() >= 7, "--enable-debug-command exists since Redis 7");

        assertThat(node.command("DEBUG", "SLEEP", "0")).isEqualTo("OK");
    }

    @Test
    void aNodeThatCannotStartFailsWithTheTailOfItsLogAndLeavesNoProcess() {
        Set<Long> childrenBefore = redisChildren();

        assertThatThrownBy(() -> RedisNodes.start(1, RedisNodeOptions.defaults()
                        .withPassword("hunter2")
                        .withExtraArgs(List.of("--no-such-directive", "x"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exited with code")
                .hasMessageContaining("no-such-directive")
                .hasMessageContaining("--requirepass ****")
                .message().doesNotContain("hunter2");
        assertThat(redisChildren()).isSubsetOf(childrenBefore);
    }

    @Test
    void extraArgumentsReachTheServer() {
        try (RedisNodes custom = RedisNodes.start(1, RedisNodeOptions.defaults().withExtraArgs(List.of("--maxmemory", "10mb")))) {
            assertThat(custom.node(0).command("CONFIG", "GET", "maxmemory")).isEqualTo(List.of("maxmemory", "10485760"));
        }
    }

    @Test
    void aNodeWithAPasswordAuthenticatesItsOwnCommandsAndPutsThePasswordInItsUri() {
        try (RedisNodes secured = RedisNodes.start(1, RedisNodeOptions.defaults().withPassword("s3c:r@t"))) {
            RedisNode securedNode = secured.node(0);

            assertThat(securedNode.command("SET", "k", "v")).isEqualTo("OK");
            assertThat(securedNode.uri()).isEqualTo("redis://:s3c%3Ar%40t@127.0.0.1:" + securedNode.port());
            assertThatThrownBy(() -> RespClient.call(Loopback.HOST, securedNode.port(), null, Duration.ofSeconds(2), "GET", "k"))
                    .isInstanceOfSatisfying(RedisReplyException.class, e -> assertThat(e.code()).isEqualTo("NOAUTH"));

            securedNode.restart();
            assertThat(securedNode.command("PING")).isEqualTo("PONG");

            RedisClient client = RedisClient.create(securedNode.uri());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                assertThat(connection.sync().ping()).isEqualTo("PONG");
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void appendOnlyNodesKeepTheirKeysAcrossRestartKillAndStop() {
        try (RedisNodes persistent = RedisNodes.start(1, RedisNodeOptions.defaults().withAppendOnly(true))) {
            RedisNode durable = persistent.node(0);
            assertThat(durable.command("CONFIG", "GET", "appendfsync")).isEqualTo(List.of("appendfsync", "always"));
            durable.command("SET", "k", "v");

            durable.restart();
            assertThat(durable.command("GET", "k")).isEqualTo("v");

            durable.command("SET", "k2", "v2");
            durable.stop();
            durable.start();
            assertThat(durable.command("MGET", "k", "k2")).isEqualTo(List.of("v", "v2"));
        }
    }

    private String infoField(String field) {
        return RedisNode.infoField((String) node.command("INFO", "server"), field);
    }

    private static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static Set<Long> redisChildren() {
        return ProcessHandle.current().children()
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.contains("redis-server")).orElse(false))
                .map(ProcessHandle::pid)
                .collect(Collectors.toSet());
    }
}
