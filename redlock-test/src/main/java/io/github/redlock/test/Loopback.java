package io.github.redlock.test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;

/** The IPv4 loopback address every node and proxy listens on. */
final class Loopback {

    /** The host name used in URIs and command lines. */
    static final String HOST = "127.0.0.1";

    private static final InetAddress ADDRESS = address();

    private Loopback() {
    }

    static InetSocketAddress socketAddress(int port) {
        return new InetSocketAddress(ADDRESS, port);
    }

    /**
     * Whether a TCP connection to {@code 127.0.0.1:port} is refused right now.
     *
     * @return {@code true} only when the connection attempt is actively refused; a successful
     *         connection or a timeout counts as "not refused"
     */
    static boolean refusesConnections(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(socketAddress(port), 200);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether a server socket could bind {@code 127.0.0.1:port} right now (with SO_REUSEADDR, as Redis does). */
    static boolean canBind(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(socketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static InetAddress address() {
        try {
            return InetAddress.getByAddress(HOST, new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
