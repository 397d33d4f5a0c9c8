package io.github.redlock.test;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Sends one command to a Redis server over a new blocking socket and returns the decoded reply.
 *
 * <p>One connection per command keeps the client stateless: it works across kills and restarts,
 * from any thread, and a timed-out command never leaves a half-read reply behind.
 */
final class RespClient {

    private RespClient() {
    }

    /**
     * Connects, authenticates when {@code password} is not {@code null}, sends {@code args} and
     * reads the reply (see {@link Resp#read} for the types).
     *
     * @param timeout connect timeout and socket read timeout
     * @throws RedisReplyException if Redis answers with an error (including a failed AUTH)
     * @throws UncheckedIOException if the connection is refused, times out or breaks; the cause is
     *         the original {@link IOException} (for example {@link java.net.ConnectException} or
     *         {@link java.net.SocketTimeoutException})
     */
    static @Nullable Object call(String host, int port, @Nullable String password, Duration timeout,
            String... args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("A command needs at least its name");
        }
        int millis = timeoutMillis(timeout);
        String name = args[0].toUpperCase(Locale.ROOT);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), millis);
            socket.setSoTimeout(millis);
            socket.setTcpNoDelay(true);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            InputStream in = new BufferedInputStream(socket.getInputStream());
            if (password != null) {
                out.write(Resp.encode("AUTH", password));
            }
            out.write(Resp.encode(args));
            out.flush();
            if (password != null) {
                Resp.read(in, "AUTH");
            }
            return Resp.read(in, name);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Redis at " + host + ":" + port + " did not answer " + name + ": " + e, e);
        }
    }

    private static int timeoutMillis(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("The timeout must be positive: " + timeout);
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }
}
