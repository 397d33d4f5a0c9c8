package io.github.redlock.integration;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A {@link LeaderChildMain} in its own JVM, on the test class path; its {@code @@} lines are kept as
 * {@link LeaderEvent}s. {@link #close()} always kills the process (resuming it first if stopped).
 */
final class ChildApp implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Writer stdin;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Path stderr;

    private ChildApp(String name, Process process, Path stderr) {
        this.name = name;
        this.process = process;
        this.stderr = stderr;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readLines, "child-app-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts the JVM; does not wait for it ({@link #isReady()}). */
    static ChildApp start(String name, List<String> properties) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Xshare:auto", "-cp", classpath, LeaderChildMain.class.getName()));
        properties.forEach(property -> command.add("--" + property));
        try {
            Path dir = Files.createDirectories(Path.of("target", "leader-child"));
            Path stderr = dir.resolve(name + "-" + System.nanoTime() + ".log");
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.to(stderr.toFile())).start();
            return new ChildApp(name, process, stderr);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start a child JVM", e);
        }
    }

    private void readLines() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("@@ ")) {
                    lines.add(line.substring(3));
                }
            }
        } catch (IOException e) {
            // the process ended or was killed
        }
    }

    String name() {
        return name;
    }

    boolean isReady() {
        failOnError();
        return lines.stream().anyMatch(line -> line.startsWith("READY"));
    }

    /** Its leader events so far, in the order printed. */
    List<LeaderEvent> events() {
        failOnError();
        List<LeaderEvent> events = new ArrayList<>();
        for (String line : lines) {
            String[] parts = line.split(" ");
            if (parts[0].equals("GRANTED") || parts[0].equals("REVOKED")) {
                events.add(new LeaderEvent(name, parts[0].equals("GRANTED") ? LeaderEvent.Kind.GRANTED
                        : LeaderEvent.Kind.REVOKED, Long.parseLong(parts[2])));
            }
        }
        return events;
    }

    long count(LeaderEvent.Kind kind) {
        return events().stream().filter(event -> event.kind() == kind).count();
    }

    /** Whether its last event is a grant: it believes it leads. */
    boolean believesItLeads() {
        List<LeaderEvent> events = events();
        return !events.isEmpty() && events.get(events.size() - 1).kind() == LeaderEvent.Kind.GRANTED;
    }

    void stopGracefully() {
        send("STOP");
    }

    /** SIGKILL; returns once the process is gone, with the time it was seen gone. */
    long kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("child " + name + " did not die");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return System.nanoTime();
    }

    /** Sends {@code STOP} or {@code CONT} with {@code kill}; returns once delivered, with the time after. */
    long signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return System.nanoTime();
    }

    private void send(String line) {
        try {
            stdin.write(line + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("child " + name + " does not read its input", e);
        }
    }

    private void failOnError() {
        for (String line : lines) {
            if (line.startsWith("ERROR")) {
                throw new AssertionError("child " + name + " reported " + line + "; stderr " + stderr);
            }
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            signal("CONT");
            kill();
        }
    }

    @Override
    public String toString() {
        return name + lines;
    }
}
