package io.github.redlock.fencing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for a test class: Debian's binaries ({@code /usr/lib/postgresql/N/bin},
 * the newest N), a fresh cluster in a temporary directory, started on a free loopback port and
 * removed again by {@link #close()}. As root (CI), the server runs as the {@code postgres} user the
 * Debian package creates, since PostgreSQL refuses to run as root.
 */
final class PostgresServer implements AutoCloseable {

    private static final String USER = "fencing";

    private final Path base;
    private final Path binaries;
    private final int port;
    private final Thread stopAtExit;

    private PostgresServer(Path base, Path binaries, int port) {
        this.base = base;
        this.binaries = binaries;
        this.port = port;
        this.stopAtExit = new Thread(this::stopQuietly, "postgres-stop");
    }

    static PostgresServer start() throws IOException, InterruptedException {
        Path binaries = findBinaries();
        Path base = Files.createTempDirectory("redlock-fencing-pg");
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            UserPrincipal postgres = base.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            Files.setOwner(base, postgres);
        }
        PostgresServer server = new PostgresServer(base, binaries, freePort());
        Runtime.getRuntime().addShutdownHook(server.stopAtExit);
        try {
            server.run("initdb", "-D", server.data(), "-U", USER, "-A", "trust", "-E", "UTF8", "--no-sync");
            server.run("pg_ctl", "-D", server.data(), "-l", base.resolve("server.log").toString(), "-w", "-t", "60",
                    "-o", "-p " + server.port + " -k " + base + " -c listen_addresses=127.0.0.1 -c fsync=off"
                            + " -c synchronous_commit=off -c full_page_writes=off",
                    "start");
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=" + USER;
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl());
    }

    /** Runs SQL statements separated by semicolons (no semicolons inside them), auto-committed. */
    void execute(String script) throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            for (String sql : script.split(";")) {
                if (!sql.isBlank()) {
                    statement.execute(sql);
                }
            }
        }
    }

    @Override
    public void close() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(stopAtExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private void stopQuietly() {
        try {
            if (Files.exists(base.resolve("data").resolve("postmaster.pid"))) {
                run("pg_ctl", "-D", data(), "-m", "immediate", "-w", "stop");
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("Could not stop PostgreSQL in " + base + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            deleteTree(base);
        }
    }

    private String data() {
        return base.resolve("data").toString();
    }

    private void run(String program, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        command.add(binaries.resolve(program).toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        // pg_ctl start leaves the server holding the output pipe: read until the program exits only.
        process.getOutputStream().close();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(program + " did not finish within 90 s");
        }
        if (process.exitValue() != 0) {
            String output = new String(process.getInputStream().readNBytes(8192), StandardCharsets.UTF_8);
            String log = Files.exists(base.resolve("server.log"))
                    ? Files.readString(base.resolve("server.log"), StandardCharsets.UTF_8) : "";
            throw new IllegalStateException(command + " exited with " + process.exitValue() + ":\n" + output + log);
        }
    }

    private static Path findBinaries() throws IOException {
        Path versions = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(versions)) {
            try (Stream<Path> children = Files.list(versions)) {
                List<Path> found = children.map(version -> version.resolve("bin"))
                        .filter(bin -> Files.isExecutable(bin.resolve("initdb")))
                        .sorted(Comparator.comparing((Path bin) -> versionOf(bin)).reversed())
                        .toList();
                if (!found.isEmpty()) {
                    return found.get(0);
                }
            }
        }
        throw new IllegalStateException("No PostgreSQL server binaries under /usr/lib/postgresql: "
                + "install Debian's postgresql package (.ci/run does)");
    }

    private static int versionOf(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void deleteTree(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("Could not delete " + directory + ": " + e);
        }
    }
}
