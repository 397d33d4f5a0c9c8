package io.github.redlock.safety;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A second JVM running {@link SafetyChildMain}, on the test classpath, talking over its standard
 * input and output one line at a time (standard error goes to a file under {@code target/}).
 * Every wait is bounded; {@link #close()} always kills the process (resuming it first if it was
 * stopped).
 *
 * <p><b>Shared clock.</b> Both JVMs take times from {@link System#nanoTime()}, which on Linux
 * (HotSpot) is {@code clock_gettime(CLOCK_MONOTONIC)}: one clock for all processes of the machine,
 * so the child's times can be compared with ours directly. {@link #checkSharedClock} verifies it
 * at start-up: each child reading must fall between our readings before and after the round trip.
 */
final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> incoming = new LinkedBlockingQueue<>();
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Path stderr;

    private ChildJvm(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readLines, "child-jvm-" + process.pid() + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code java -cp <test classpath> SafetyChildMain args...}; returns when it said READY. */
    static ChildJvm start(String name, List<String> args) {
        return start(name, SafetyChildMain.class, args);
    }

    /** Starts {@code java -cp <test classpath> <main> args...}; returns when it said READY. */
    static ChildJvm start(String name, Class<?> main, List<String> args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Surefire and Failsafe may run us from a manifest-only jar; they give the real test classpath here.
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", classpath, main.getName()));
        command.addAll(args);
        Path stderr;
        try {
            Path dir = Files.createDirectories(Path.of("target", "safety-child"));
            stderr = dir.resolve(name + "-" + System.nanoTime() + ".log");
            Process process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.to(stderr.toFile()))
                    .start();
            ChildJvm child = new ChildJvm(process, stderr);
            try {
                child.await(line -> line.startsWith("READY"), Duration.ofSeconds(60));
                return child;
            } catch (RuntimeException | Error e) {
                child.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not start a child JVM", e);
        }
    }

    private void readLines() {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
                incoming.add(line);
            }
        } catch (IOException e) {
            // the process ended or was killed
        }
    }

    long pid() {
        return process.pid();
    }

    void send(String line) {
        try {
            stdin.write(line + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("the child JVM does not read its input: " + describe(), e);
        }
    }

    /** The next line matching {@code match} (lines skipped are kept in {@link #lines()}). */
    String await(Predicate<String> match, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line;
            try {
                line = left > 0 ? incoming.poll(left, TimeUnit.NANOSECONDS) : null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            if (line == null) {
                throw new AssertionError("no expected line from the child JVM within " + bound.toMillis() + " ms; "
                        + describe());
            }
            if (line.startsWith("ERROR")) {
                throw new AssertionError("the child JVM reported: " + line + "; " + describe());
            }
            if (match.test(line)) {
                return line;
            }
        }
    }

    /** Every line received so far. */
    List<String> lines() {
        return List.copyOf(lines);
    }

    /**
     * Exchanges {@code rounds} clock readings: {@code before <= child <= after} must hold each time.
     *
     * @return the longest round trip, in nanoseconds
     */
    long checkSharedClock(int rounds) {
        long longest = 0;
        for (int i = 0; i < rounds; i++) {
            long before = System.nanoTime();
            send("CLOCK");
            String reply = await(line -> line.startsWith("CLOCK "), Duration.ofSeconds(20));
            long after = System.nanoTime();
            long child = Long.parseLong(reply.substring("CLOCK ".length()).trim());
            if (child < before || child > after) {
                throw new AssertionError("System.nanoTime() is not shared with the child JVM: child read " + child
                        + ", outside [" + before + ", " + after + "]");
            }
            longest = Math.max(longest, after - before);
        }
        return longest;
    }

    /** Sends a signal ({@code STOP}, {@code CONT}) with {@code kill}; returns when it was delivered. */
    void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Whether the process is stopped (state T in /proc). */
    boolean isStopped() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
        } catch (IOException e) {
            return false;
        }
    }

    int awaitExit(Duration bound) {
        try {
            if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the child JVM did not exit within " + bound.toMillis() + " ms; " + describe());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        return process.exitValue();
    }

    String describe() {
        String tail;
        try {
            List<String> all = Files.exists(stderr) ? Files.readAllLines(stderr) : List.of();
            tail = String.join("\n", all.subList(Math.max(0, all.size() - 20), all.size()));
        } catch (IOException e) {
            tail = "(unreadable: " + e + ")";
        }
        return "child pid " + process.pid() + (process.isAlive() ? " alive" : " exited " + process.exitValue())
                + ", stderr " + stderr.toAbsolutePath() + ":\n" + tail;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                signal("CONT");
            } catch (RuntimeException e) {
                // it may have exited in the meantime
            }
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
