package io.github.redlock.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * An in-JVM stand-in for a Redis server, for unit tests of the RESP client: it reads RESP
 * commands and answers each with the raw bytes returned by a script (or nothing, when the script
 * returns null).
 */
final class FakeRedisServer implements AutoCloseable {

    private final ServerSocket server;
    private final Thread thread;
    private final Function<List<String>, String> script;
    private final BlockingQueue<List<String>> received = new LinkedBlockingQueue<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    FakeRedisServer(Function<List<String>, String> script) throws IOException {
        this.script = script;
        this.server = new ServerSocket();
        server.bind(Loopback.socketAddress(0));
        this.thread = new Thread(this::serve, "fake-redis-" + server.getLocalPort());
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** The next command received, waiting at most 5 s. */
    List<String> nextCommand() throws InterruptedException {
        List<String> command = received.poll(5, TimeUnit.SECONDS);
        if (command == null) {
            throw new AssertionError("The fake server received no command within 5 s");
        }
        return command;
    }

    boolean receivedNothingElse() {
        return received.isEmpty();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                sockets.add(socket);
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                while (true) {
                    List<String> command = readCommand(in);
                    if (command == null) {
                        break;
                    }
                    received.add(command);
                    String reply = script.apply(command);
                    if (reply != null) {
                        out.write(reply.getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // connection or server closed
            }
        }
    }

    private static List<String> readCommand(InputStream in) throws IOException {
        String header = readLine(in);
        if (header == null) {
            return null;
        }
        if (!header.startsWith("*")) {
            throw new IOException("Not a RESP array: " + header);
        }
        int count = Integer.parseInt(header.substring(1));
        List<String> args = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String length = readLine(in);
            if (length == null || !length.startsWith("$")) {
                throw new IOException("Not a bulk string: " + length);
            }
            byte[] bytes = in.readNBytes(Integer.parseInt(length.substring(1)));
            in.readNBytes(2);
            args.add(new String(bytes, StandardCharsets.UTF_8));
        }
        return args;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\r') {
                in.read();
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
