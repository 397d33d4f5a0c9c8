package io.github.redlock.test;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;

/** One long-lived RESP connection, to show what happens to connections that are already open. */
final class RawConnection implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawConnection(int port, Duration readTimeout) throws IOException {
        socket = new Socket();
        socket.connect(Loopback.socketAddress(port), 2_000);
        socket.setSoTimeout((int) readTimeout.toMillis());
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Sends a command without waiting for its reply. */
    void send(String... args) throws IOException {
        out.write(Resp.encode(args));
        out.flush();
    }

    /** Reads one reply, or throws {@link java.net.SocketTimeoutException} after the read timeout. */
    Object read() throws IOException {
        return Resp.read(in, "TEST");
    }

    Object call(String... args) throws IOException {
        send(args);
        return read();
    }

    /** Reads a byte: -1 when the peer closed the connection. */
    int readByte() throws IOException {
        return in.read();
    }

    void readTimeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
