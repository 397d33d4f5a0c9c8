package io.github.redlock.safety;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A proxy in front of one redis-server that reads the RESP protocol both ways and discards the
 * replies to the commands a predicate selects (while it is {@link #dropping}); the commands
 * themselves reach the server and take effect. {@link io.github.redlock.test.FaultProxy} drops
 * every reply or none; the fencing suite needs to lose the replies of one phase only. Replies
 * come back in the order of the commands (no pub/sub, no client tracking on these connections),
 * so the n-th reply answers the n-th command. A connection that lost a reply is out of step with
 * its client for good (TCP never loses bytes in the middle of a stream: a lost reply means a dead
 * connection), so a test ends the fault with {@link #resetConnections()}, as
 * {@code FaultProxy.heal} does. Closed with {@link #close()}: every socket and thread.
 */
final class ReplyDroppingProxy implements AutoCloseable {

    private final int targetPort;
    private final ServerSocket server;
    private final Predicate<List<String>> select;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger dropped = new AtomicInteger();
    private volatile boolean dropping;

    ReplyDroppingProxy(int targetPort, Predicate<List<String>> select) throws IOException {
        this.targetPort = targetPort;
        this.select = select;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon(this::accept, "reply-dropping-proxy-accept").start();
    }

    String uri() {
        return "redis://127.0.0.1:" + server.getLocalPort();
    }

    /** From now on, replies to selected commands are discarded (or, with false, forwarded again). */
    void dropping(boolean dropping) {
        this.dropping = dropping;
    }

    /** Replies discarded so far. */
    int dropped() {
        return dropped.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(client);
                sockets.add(upstream);
                BlockingQueue<Boolean> drops = new LinkedBlockingQueue<>();
                daemon(() -> commands(client, upstream, drops), "reply-dropping-proxy-commands").start();
                daemon(() -> replies(upstream, client, drops), "reply-dropping-proxy-replies").start();
            } catch (IOException e) {
                // closed
            }
        }
    }

    private void commands(Socket client, Socket upstream, BlockingQueue<Boolean> drops) {
        try (InputStream in = new BufferedInputStream(client.getInputStream())) {
            OutputStream out = upstream.getOutputStream();
            while (true) {
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                Object command = read(in, raw);
                List<String> args = new ArrayList<>();
                if (command instanceof List<?> list) {
                    list.forEach(arg -> args.add(String.valueOf(arg)));
                }
                drops.add(dropping && select.test(args));
                out.write(raw.toByteArray());
                out.flush();
            }
        } catch (IOException e) {
            closeQuietly(client, upstream);
        }
    }

    private void replies(Socket upstream, Socket client, BlockingQueue<Boolean> drops) {
        try (InputStream in = new BufferedInputStream(upstream.getInputStream())) {
            OutputStream out = client.getOutputStream();
            while (true) {
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                read(in, raw);
                Boolean drop = drops.take();
                if (drop) {
                    dropped.incrementAndGet();
                } else {
                    out.write(raw.toByteArray());
                    out.flush();
                }
            }
        } catch (IOException e) {
            closeQuietly(client, upstream);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(client, upstream);
        }
    }

    /** Reads one RESP2/RESP3 value, copying its bytes to {@code raw}; arrays come back as lists, the rest as strings. */
    private static Object read(InputStream in, ByteArrayOutputStream raw) throws IOException {
        String line = line(in, raw);
        char type = line.charAt(0);
        String rest = line.substring(1);
        switch (type) {
            case '$', '!', '=' -> {
                int length = Integer.parseInt(rest);
                if (length < 0) {
                    return "";
                }
                byte[] bytes = in.readNBytes(length + 2);
                if (bytes.length < length + 2) {
                    throw new EOFException();
                }
                raw.write(bytes);
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            case '*', '~', '>', '%', '|' -> {
                int count = Integer.parseInt(rest);
                if (type == '%' || type == '|') {
                    count *= 2;
                }
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    items.add(read(in, raw));
                }
                if (type == '|') {
                    return read(in, raw);
                }
                return items;
            }
            default -> {
                return rest;
            }
        }
    }

    private static String line(InputStream in, ByteArrayOutputStream raw) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException();
            }
            raw.write(b);
            if (b == '\n' && line.length() > 0 && line.charAt(line.length() - 1) == '\r') {
                line.setLength(line.length() - 1);
                if (line.length() == 0) {
                    throw new IOException("empty RESP line");
                }
                return line.toString();
            }
            line.append((char) b);
        }
    }

    private static Thread daemon(Runnable body, String name) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }

    private void closeQuietly(Socket... toClose) {
        for (Socket socket : toClose) {
            sockets.remove(socket);
            try {
                socket.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }

    /** Closes every connection open now; clients reconnect. */
    void resetConnections() {
        closeQuietly(sockets.toArray(Socket[]::new));
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // already closed
        }
        closeQuietly(sockets.toArray(Socket[]::new));
    }
}
