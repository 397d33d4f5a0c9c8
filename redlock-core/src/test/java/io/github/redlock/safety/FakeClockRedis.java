package io.github.redlock.safety;

import io.github.redlock.RedlockOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server whose wall clock is shifted by libfaketime ({@code LD_PRELOAD}, {@code FAKETIME}),
 * for the fast-clock scenario. Debian's libfaketime crashes Debian's jemalloc redis-server on
 * start (fencing.md §12.7), so this runs the binary shipped in the embedded-redis jar (Redis 6.2,
 * Linux x86-64), which works. The process is redis-server itself (no {@code faketime} wrapper), so
 * {@link #close()} ends it by its own process handle. {@link #find} says why it cannot run here.
 */
final class FakeClockRedis implements AutoCloseable {

    private static final String BINARY = "redis-server-6.2.6-v5-linux-amd64";
    private static final List<Path> LIBRARIES = List.of(
            Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"),
            Path.of("/usr/lib/faketime/libfaketime.so.1"),
            Path.of("/usr/local/lib/faketime/libfaketime.so.1"));

    private final Process process;
    private final Path directory;
    private final int port;

    private FakeClockRedis(Process process, Path directory, int port) {
        this.process = process;
        this.directory = directory;
        this.port = port;
    }

    /** The libfaketime library, or empty when this machine cannot run the scenario (with the reason). */
    static Optional<Path> find(StringBuilder reason) {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("linux")
                || !List.of("amd64", "x86_64").contains(System.getProperty("os.arch", ""))) {
            reason.append("the embedded redis-server that runs under libfaketime is used on Linux x86-64 only");
            return Optional.empty();
        }
        if (FakeClockRedis.class.getResource("/" + BINARY) == null) {
            reason.append("the embedded-redis jar is not on the class path");
            return Optional.empty();
        }
        Optional<Path> library = LIBRARIES.stream().filter(Files::isReadable).findFirst();
        if (library.isEmpty()) {
            reason.append("libfaketime is not installed (apt-get install faketime): looked at ").append(LIBRARIES);
        }
        return library;
    }

    /** Starts a server whose clock is {@code faketime} (libfaketime syntax, for example {@code +10s}) off. */
    static FakeClockRedis start(Path library, String faketime) {
        try {
            Path directory = Files.createTempDirectory("redlock-fake-clock-");
            Path binary = directory.resolve("redis-server");
            try (InputStream in = FakeClockRedis.class.getResourceAsStream("/" + BINARY)) {
                if (in == null) {
                    throw new IllegalStateException("no " + BINARY + " on the class path");
                }
                Files.copy(in, binary, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwx------"));
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            ProcessBuilder builder = new ProcessBuilder(binary.toString(), "--bind", "127.0.0.1", "--port",
                    Integer.toString(port), "--save", "", "--appendonly", "no", "--dir", directory.toString(),
                    "--daemonize", "no", "--protected-mode", "no")
                    .redirectErrorStream(true).redirectOutput(directory.resolve("redis.log").toFile());
            builder.environment().put("LD_PRELOAD", library.toString());
            builder.environment().put("FAKETIME", faketime);
            FakeClockRedis redis = new FakeClockRedis(builder.start(), directory, port);
            try {
                redis.awaitPing();
                return redis;
            } catch (RuntimeException | Error e) {
                redis.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not start a redis-server under libfaketime", e);
        }
    }

    private void awaitPing() {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server under libfaketime exited with " + process.exitValue()
                        + ": " + log());
            }
            try (RedisClient client = RedisClient.create(uri())) {
                try (StatefulRedisConnection<String, String> connection = client.connect()) {
                    if ("PONG".equals(connection.sync().ping())) {
                        return;
                    }
                }
            } catch (RuntimeException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("redis-server under libfaketime does not answer: " + log(), e);
                }
                Nodes.sleep(Duration.ofMillis(50));
            }
        }
    }

    private String log() {
        try {
            return Files.readString(directory.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    int port() {
        return port;
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** The server's clock ({@code TIME}) in microseconds. */
    long timeMicros() {
        try (RedisClient client = RedisClient.create(uri());
                StatefulRedisConnection<String, String> connection = client.connect()) {
            List<String> time = connection.sync().time();
            return Long.parseLong(time.get(0)) * 1_000_000 + Long.parseLong(time.get(1));
        }
    }

    /** Seeds the fencing counter with the server's (shifted) clock. */
    void seed(String prefix) {
        long now = timeMicros();
        try (RedisClient client = RedisClient.create(uri());
                StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().hset(prefix + RedlockOptions.FENCING_COUNTER_SUFFIX, "counter", Long.toString(now));
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(directory)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }
}
