package io.github.redlock.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real, independent redis-server processes a benchmark runs against: the one place that
 * knows where nodes come from. Stop-gap until redlock-test's {@code RedisNodes} lands on main.
 */
final class BenchNodes implements AutoCloseable {

    private final List<Process> processes;
    private final List<String> uris;

    private BenchNodes(List<Process> processes, List<String> uris) {
        this.processes = processes;
        this.uris = uris;
    }

    static BenchNodes start(int count) {
        List<Process> processes = new ArrayList<>();
        List<String> uris = new ArrayList<>();
        BenchNodes nodes = new BenchNodes(processes, uris);
        try {
            for (int i = 0; i < count; i++) {
                int port = freePort();
                processes.add(new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                        "--save", "", "--appendonly", "no")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
                awaitPing(port);
                uris.add("redis://127.0.0.1:" + port);
            }
            return nodes;
        } catch (IOException | RuntimeException e) {
            nodes.close();
            throw new IllegalStateException("could not start " + count + " redis-server nodes", e);
        }
    }

    List<String> uris() {
        return List.copyOf(uris);
    }

    @Override
    public void close() {
        for (Process process : processes) {
            process.destroy();
        }
        for (Process process : processes) {
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void awaitPing(int port) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() - deadline < 0) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                OutputStream out = socket.getOutputStream();
                out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                byte[] reply = in.readNBytes(7);
                if (new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n")) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        throw new IllegalStateException("redis-server on port " + port + " did not answer PING within 10 s");
    }
}
