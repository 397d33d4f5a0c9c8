package io.github.redlock.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RespClientTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    @Test
    void sendsTheCommandAndReturnsTheDecodedReply() throws Exception {
        try (FakeRedisServer server = new FakeRedisServer(command -> "$5\r\nvalue\r\n")) {
            Object reply = RespClient.call(Loopback.HOST, server.port(), null, TIMEOUT, "GET", "key");

            assertThat(reply).isEqualTo("value");
            assertThat(server.nextCommand()).containsExactly("GET", "key");
            assertThat(server.receivedNothingElse()).isTrue();
        }
    }

    @Test
    void authenticatesFirstWhenAPasswordIsGiven() throws Exception {
        try (FakeRedisServer server = new FakeRedisServer(command -> "+OK\r\n")) {
            Object reply = RespClient.call(Loopback.HOST, server.port(), "pw", TIMEOUT, "PING");

            assertThat(reply).isEqualTo("OK");
            assertThat(server.nextCommand()).containsExactly("AUTH", "pw");
            assertThat(server.nextCommand()).containsExactly("PING");
        }
    }

    @Test
    void aFailedAuthIsReportedWithoutThePassword() throws Exception {
        try (FakeRedisServer server = new FakeRedisServer(command -> command.get(0).equals("AUTH")
                ? "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
                : "-NOAUTH Authentication required.\r\n")) {
            assertThatThrownBy(() -> RespClient.call(Loopback.HOST, server.port(), "hunter2", TIMEOUT, "PING"))
                    .isInstanceOfSatisfying(RedisReplyException.class, e -> {
                        assertThat(e.command()).isEqualTo("AUTH");
                        assertThat(e.code()).isEqualTo("WRONGPASS");
                    })
                    .message().doesNotContain("hunter2");
        }
    }

    @Test
    void anErrorReplyNamesOnlyTheCommandNotItsArguments() throws Exception {
        try (FakeRedisServer server = new FakeRedisServer(command -> "-ERR wrong\r\n")) {
            assertThatThrownBy(() -> RespClient.call(Loopback.HOST, server.port(), null, TIMEOUT, "set", "secret-key", "v"))
                    .isInstanceOf(RedisReplyException.class)
                    .hasMessage("Redis replied to SET with an error: ERR wrong");
        }
    }

    @Test
    void aRefusedConnectionIsAnUncheckedIOExceptionCausedByConnectException() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(Loopback.socketAddress(0));
            closedPort = socket.getLocalPort();
        }

        assertThatThrownBy(() -> RespClient.call(Loopback.HOST, closedPort, null, TIMEOUT, "PING"))
                .isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(ConnectException.class)
                .hasMessageContaining(Loopback.HOST + ":" + closedPort)
                .hasMessageContaining("PING");
    }

    @Test
    void aServerThatDoesNotAnswerTimesOut() throws Exception {
        try (FakeRedisServer server = new FakeRedisServer(command -> null)) {
            assertThatThrownBy(() -> RespClient.call(Loopback.HOST, server.port(), null, Duration.ofMillis(200), "PING"))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasCauseInstanceOf(SocketTimeoutException.class);
            assertThat(server.nextCommand()).isEqualTo(List.of("PING"));
        }
    }

    @Test
    void rejectsANonPositiveTimeoutAndAnEmptyCommand() {
        assertThatThrownBy(() -> RespClient.call(Loopback.HOST, 1, null, Duration.ZERO, "PING"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RespClient.call(Loopback.HOST, 1, null, TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
