package io.github.redlock.spring.boot.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Real, independent redis-server processes on free loopback ports for integration tests, stopped
 * after the test class. A stand-in for the {@code redlock-test} module's extension until it lands.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final LocalRedis redis = LocalRedis.withNodes(3);
 * }</pre>
 */
public final class LocalRedis implements BeforeAllCallback, AfterAllCallback {

    private final List<Node> nodes = new ArrayList<>();

    private LocalRedis(int count) {
        for (int i = 0; i < count; i++) {
            nodes.add(new Node());
        }
    }

    public static LocalRedis withNodes(int count) {
        return new LocalRedis(count);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        nodes.forEach(Node::start);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        nodes.forEach(Node::kill);
    }

    /** The nodes' URIs, {@code redis://127.0.0.1:port}. */
    public List<String> uris() {
        return nodes.stream().map(Node::uri).toList();
    }

    /** {@code redlock.servers=uri,uri,...}, for a context's properties. */
    public String serversProperty() {
        return "redlock.servers=" + String.join(",", uris());
    }

    public Node node(int index) {
        return nodes.get(index);
    }

    /** Deletes every key on every running node. */
    public void flushAll() {
        for (Node node : nodes) {
            if (node.isRunning()) {
                node.command("FLUSHALL");
            }
        }
    }

    /** One redis-server process, restartable on the same port. */
    public static final class Node {

        private final int port = freePort();
        private final List<String> extraArgs = new ArrayList<>();
        private Process process;

        public synchronized void start() {
            if (isRunning()) {
                return;
            }
            List<String> command = new ArrayList<>(List.of(redisServer(), "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no",
                    "--loglevel", "warning", "--dir", System.getProperty("java.io.tmpdir")));
            command.addAll(extraArgs);
            try {
                process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            } catch (IOException e) {
                throw new UncheckedIOException("could not start redis-server", e);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                try {
                    if ("PONG".equals(commandUnchecked("PING"))) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                if (!process.isAlive()) {
                    throw new IllegalStateException("redis-server exited with " + process.exitValue() + " on port " + port);
                }
                sleep(20);
            }
            throw new IllegalStateException("redis-server did not answer on port " + port);
        }

        /** Kills the process (SIGKILL), losing its data. */
        public synchronized void kill() {
            if (process != null) {
                process.destroyForcibly();
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                process = null;
            }
        }

        /** Adds redis-server arguments for the next start, e.g. {@code --requirepass secret}. */
        public Node withArgs(String... args) {
            extraArgs.addAll(List.of(args));
            return this;
        }

        public synchronized boolean isRunning() {
            return process != null && process.isAlive();
        }

        public int port() {
            return port;
        }

        public String uri() {
            return "redis://127.0.0.1:" + port;
        }

        /** Sends one command, returns the reply's first line without its type marker (null for a nil bulk). */
        public String command(String... args) {
            try {
                return commandUnchecked(args);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private String commandUnchecked(String... args) throws IOException {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                socket.setSoTimeout(2000);
                StringBuilder request = new StringBuilder("*" + args.length + "\r\n");
                for (String arg : args) {
                    request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
                }
                OutputStream out = socket.getOutputStream();
                out.write(request.toString().getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                String line = in.readLine();
                if (line == null) {
                    throw new IOException("no reply");
                }
                if (line.startsWith("$")) {
                    return line.equals("$-1") ? null : in.readLine();
                }
                if (line.startsWith("-")) {
                    throw new IOException("Redis error: " + line.substring(1));
                }
                return line.substring(1);
            }
        }

        private static String redisServer() {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(java.io.File.pathSeparator)) {
                Path candidate = Path.of(dir, "redis-server");
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
            return "/usr/bin/redis-server";
        }

        private static int freePort() {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress("127.0.0.1", 0));
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
