package io.github.redlock.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.resource.EpollProvider;
import io.lettuce.core.resource.IOUringProvider;
import io.lettuce.core.resource.KqueueProvider;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Set;
import jdk.net.ExtendedSocketOptions;

/**
 * The Lettuce client options the nodes' connections run with ({@link LettuceNode} relies on them);
 * the caller adds TLS.
 *
 * <ul>
 * <li>No auto-reconnect, and commands rejected while disconnected: Lettuce would re-send in-flight
 * commands after reconnecting (see {@link LettuceNode}).
 * <li>{@code requestQueueSize} bounds the commands one node may hold (a paused node keeps them all).
 * <li>No Lettuce command timeout: {@link LettuceNode} times every command out itself.
 * <li>TCP keep-alive after {@link #KEEP_ALIVE_IDLE} idle, probing every {@link #KEEP_ALIVE_INTERVAL},
 * {@link #KEEP_ALIVE_COUNT} times, so an idle connection to a vanished host closes within about
 * 30 s instead of the system's default of over 2 hours. Tuned with epoll, io_uring, and NIO where
 * the JDK supports these options (Linux, macOS); with kqueue, or NIO elsewhere, keep-alive runs with
 * the system's timings.
 * <li>{@code TCP_USER_TIMEOUT} of {@link #TCP_USER_TIMEOUT}, with the epoll or io_uring transport
 * only (Lettuce sets it on no other): written data that stays unacknowledged that long closes the
 * connection, instead of the kernel retransmitting for about 15 minutes. Without it (NIO, kqueue),
 * {@link LettuceNode} still replaces a connection on which several commands in a row timed out.
 * </ul>
 */
public final class NodeClientOptions {

    static final Duration KEEP_ALIVE_IDLE = Duration.ofSeconds(15);
    static final Duration KEEP_ALIVE_INTERVAL = Duration.ofSeconds(5);
    static final int KEEP_ALIVE_COUNT = 3;
    static final Duration TCP_USER_TIMEOUT = Duration.ofSeconds(30);

    private NodeClientOptions() {
    }

    /** The options, with the given bounds on queued commands and on each connection's setup. */
    public static ClientOptions.Builder builder(int requestQueueSize, Duration connectTimeout) {
        return ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(requestQueueSize)
                .timeoutOptions(TimeoutOptions.builder().timeoutCommands(false).build())
                .socketOptions(socketOptions(connectTimeout));
    }

    static SocketOptions socketOptions(Duration connectTimeout) {
        SocketOptions.Builder socket = SocketOptions.builder().connectTimeout(connectTimeout);
        boolean linuxNative = IOUringProvider.isAvailable() || EpollProvider.isAvailable();
        if (linuxNative || (!KqueueProvider.isAvailable() && nioKeepAliveTunable())) {
            socket.keepAlive(SocketOptions.KeepAliveOptions.builder().enable().idle(KEEP_ALIVE_IDLE)
                    .interval(KEEP_ALIVE_INTERVAL).count(KEEP_ALIVE_COUNT).build());
        } else {
            socket.keepAlive(true);
        }
        if (linuxNative) {
            socket.tcpUserTimeout(SocketOptions.TcpUserTimeoutOptions.builder().enable()
                    .tcpUserTimeout(TCP_USER_TIMEOUT).build());
        }
        return socket.build();
    }

    /** Whether this JDK can tune keep-alive on NIO sockets here (otherwise Lettuce would only warn). */
    private static boolean nioKeepAliveTunable() {
        try (SocketChannel probe = SocketChannel.open()) {
            return probe.supportedOptions().containsAll(Set.of(ExtendedSocketOptions.TCP_KEEPIDLE,
                    ExtendedSocketOptions.TCP_KEEPINTERVAL, ExtendedSocketOptions.TCP_KEEPCOUNT));
        } catch (IOException | RuntimeException | LinkageError e) { // no jdk.net module, or no sockets
            return false;
        }
    }
}
