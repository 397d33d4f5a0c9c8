package io.github.redlock.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class FaultProxyIntegrationTests {

    private static final Duration SHORT = Duration.ofMillis(300);
    private static final Duration LONG = Duration.ofSeconds(10);

    private static RedisNodes nodes;
    private static RedisNode node;
    private FaultProxy proxy;

    @BeforeAll
    static void startNode() {
        nodes = RedisNodes.start(1);
        node = nodes.node(0);
    }

    @AfterAll
    static void stopNode() {
        nodes.close();
    }

    @BeforeEach
    void startProxy() {
        node.flushAll();
        proxy = FaultProxy.start(node.host(), node.port());
    }

    @AfterEach
    void closeProxy() {
        proxy.close();
    }

    @Test
    void passForwardsBothWays() {
        assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.PASS);
        assertThat(proxy.port()).isNotEqualTo(node.port());
        assertThat(proxy.uri()).isEqualTo("redis://127.0.0.1:" + proxy.port());

        assertThat(viaProxy(LONG, "SET", "k", "v")).isEqualTo("OK");
        assertThat(viaProxy(LONG, "GET", "k")).isEqualTo("v");
        assertThat(node.command("GET", "k")).isEqualTo("v");
    }

    @Test
    void passForwardsLargeValuesIntact() {
        String big = "x".repeat(1_000_000);

        assertThat(viaProxy(LONG, "SET", "big", big)).isEqualTo("OK");
        assertThat(viaProxy(LONG, "GET", "big")).isEqualTo(big);
    }

    @Test
    void delayHoldsRepliesForAtLeastTheDelay() {
        Duration delay = Duration.ofMillis(400);
        proxy.delay(delay);

        long start = System.nanoTime();
        assertThat(viaProxy(LONG, "SET", "k", "v")).isEqualTo("OK");
        long elapsed = System.nanoTime() - start;

        assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.DELAY);
        assertThat(Duration.ofNanos(elapsed)).isGreaterThanOrEqualTo(delay);
    }

    @Test
    void delayAppliesToAConnectionThatIsAlreadyOpen() throws IOException {
        Duration delay = Duration.ofMillis(300);
        try (RawConnection connection = new RawConnection(proxy.port(), LONG)) {
            assertThat(connection.call("PING")).isEqualTo("PONG");

            proxy.delay(delay);
            long start = System.nanoTime();
            assertThat(connection.call("PING")).isEqualTo("PONG");

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(delay);
        }
    }

    @Test
    void passReleasesRepliesHeldByALongDelay() throws IOException {
        proxy.delay(Duration.ofMinutes(5));
        try (RawConnection connection = new RawConnection(proxy.port(), LONG)) {
            connection.send("PING");

            proxy.pass();

            assertThat(connection.read()).isEqualTo("PONG");
        }
    }

    @Test
    void delayCommandsHoldsCommandsBeforeTheServerSeesThem() throws IOException {
        proxy.delayCommands(Duration.ofMillis(800));
        try (RawConnection connection = new RawConnection(proxy.port(), LONG)) {
            long start = System.nanoTime();
            connection.send("SET", "k", "v");

            assertThat(node.command("GET", "k")).as("not yet applied").isNull();
            assertThat(connection.read()).isEqualTo("OK");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(800));
            assertThat(node.command("GET", "k")).isEqualTo("v");
            assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.DELAY_COMMANDS);
        }
    }

    @Test
    void passReleasesCommandsHeldByALongDelayInOrder() throws IOException {
        proxy.delayCommands(Duration.ofMinutes(5));
        try (RawConnection connection = new RawConnection(proxy.port(), LONG)) {
            connection.send("SET", "k", "first");
            connection.send("SET", "k", "second");

            proxy.pass();

            assertThat(connection.read()).isEqualTo("OK");
            assertThat(connection.read()).isEqualTo("OK");
            assertThat(node.command("GET", "k")).isEqualTo("second");
        }
    }

    @Test
    void rejectsANegativeCommandDelay() {
        assertThatThrownBy(() -> proxy.delayCommands(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void blackholeTimesOutAndCommandsNeverReachTheServer() {
        proxy.blackhole();

        assertThatThrownBy(() -> viaProxy(SHORT, "SET", "k", "v"))
                .isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(SocketTimeoutException.class);
        assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.BLACKHOLE);
        assertThat(node.command("GET", "k")).isNull();
    }

    @Test
    void blackholeAppliesToAConnectionThatIsAlreadyOpenAndPassRestoresIt() throws IOException {
        try (RawConnection connection = new RawConnection(proxy.port(), SHORT)) {
            assertThat(connection.call("PING")).isEqualTo("PONG");

            proxy.blackhole();
            connection.send("SET", "k", "v");
            assertThatThrownBy(connection::read).isInstanceOf(SocketTimeoutException.class);

            proxy.pass();
            connection.readTimeout(LONG);
            assertThat(connection.call("ECHO", "back")).isEqualTo("back");
            assertThat(node.command("GET", "k")).isNull();
        }
    }

    @Test
    void blackholeKeepsConnectionsOpenEvenWhenTheTargetIsDown() {
        int closedPort = FreePorts.reserve();
        try (FaultProxy toNowhere = FaultProxy.start(Loopback.HOST, closedPort)) {
            assertThatThrownBy(() -> RespClient.call(Loopback.HOST, toNowhere.port(), null, LONG, "PING"))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasRootCauseInstanceOf(EOFException.class);

            toNowhere.blackhole();

            assertThatThrownBy(() -> RespClient.call(Loopback.HOST, toNowhere.port(), null, SHORT, "PING"))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasCauseInstanceOf(SocketTimeoutException.class);
        } finally {
            FreePorts.release(closedPort);
        }
    }

    @Test
    void dropRepliesAppliesCommandsOnTheNodeButTheClientGetsNoReply() {
        proxy.dropReplies();

        assertThatThrownBy(() -> viaProxy(SHORT, "SET", "k", "v"))
                .isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(SocketTimeoutException.class);
        assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.DROP_REPLIES);
        assertThat(node.command("GET", "k")).isEqualTo("v");
    }

    @Test
    void backToPassWorksOnANewConnection() {
        proxy.dropReplies();
        assertThatThrownBy(() -> viaProxy(SHORT, "PING")).isInstanceOf(UncheckedIOException.class);

        proxy.pass();

        assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.PASS);
        assertThat(viaProxy(LONG, "PING")).isEqualTo("PONG");
    }

    @Test
    void resetConnectionsClosesOpenConnectionsAndNewOnesWork() throws IOException {
        try (RawConnection connection = new RawConnection(proxy.port(), LONG)) {
            assertThat(connection.call("PING")).isEqualTo("PONG");
            assertThat(proxy.openConnections()).isEqualTo(1);

            proxy.resetConnections();

            assertThat(proxy.openConnections()).isZero();
            assertThat(readEndOfStream(connection)).isTrue();
            assertThat(viaProxy(LONG, "PING")).isEqualTo("PONG");
        }
    }

    @Test
    void closeStopsListeningClosesConnectionsAndRefusesControls() throws IOException {
        try (RawConnection connection = new RawConnection(proxy.port(), LONG)) {
            assertThat(connection.call("PING")).isEqualTo("PONG");

            proxy.close();

            assertThat(Loopback.refusesConnections(proxy.port())).isTrue();
            assertThat(readEndOfStream(connection)).isTrue();
            assertThatThrownBy(proxy::blackhole).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(proxy::resetConnections).isInstanceOf(IllegalStateException.class);
            proxy.close();
        }
    }

    @Test
    void rejectsANegativeDelayAndABadPort() {
        assertThatThrownBy(() -> proxy.delay(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FaultProxy.start(Loopback.HOST, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.PASS);
    }

    @Test
    void healPassesAndClosesConnectionsThatSawAFault() throws IOException {
        try (RawConnection connection = new RawConnection(proxy.port(), LONG)) {
            assertThat(connection.call("PING")).isEqualTo("PONG");
            proxy.dropReplies();

            proxy.heal();

            assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.PASS);
            assertThat(readEndOfStream(connection)).isTrue();
        }
        try (RawConnection clean = new RawConnection(proxy.port(), LONG)) {
            assertThat(clean.call("PING")).isEqualTo("PONG");

            proxy.heal();

            assertThat(clean.call("PING")).as("a connection without faults is left alone").isEqualTo("PONG");
        }
    }

    @Test
    void lettuceWorksThroughTheProxyAndTimesOutWhenRepliesAreDropped() {
        RedisURI uri = RedisURI.create(proxy.uri());
        uri.setTimeout(Duration.ofMillis(500));
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            assertThat(connection.sync().set("k", "v1")).isEqualTo("OK");

            proxy.dropReplies();

            assertThatThrownBy(() -> connection.sync().set("k", "v2")).isInstanceOf(RedisCommandTimeoutException.class);
            assertThat(node.command("GET", "k")).isEqualTo("v2");
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private Object viaProxy(Duration timeout, String... command) {
        return RespClient.call(Loopback.HOST, proxy.port(), null, timeout, command);
    }

    /** Whether the peer closed the connection (end of stream or reset) before the read timeout. */
    private static boolean readEndOfStream(RawConnection connection) throws IOException {
        try {
            return connection.readByte() == -1;
        } catch (SocketException e) {
            return true;
        }
    }
}
