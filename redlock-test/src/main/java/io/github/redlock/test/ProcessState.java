package io.github.redlock.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Sends job-control signals with {@code kill} and reads whether a process is stopped: from
 * {@code /proc/<pid>/stat} on Linux, with {@code ps -o stat= -p <pid>} elsewhere.
 */
final class ProcessState {

    private static final long COMMAND_TIMEOUT_SECONDS = 5;

    private ProcessState() {
    }

    /**
     * Runs {@code kill -<signal> <pid>}.
     *
     * @throws IllegalStateException if {@code kill} fails or takes longer than 5 s
     */
    static void signal(long pid, String signal) {
        String output = run("kill", "-" + signal, Long.toString(pid));
        if (output != null) {
            throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + output);
        }
    }

    /** Whether the process exists and is stopped (state {@code T}, or {@code t} when traced). */
    static boolean isStopped(long pid) {
        char state = state(pid);
        return state == 'T' || state == 't';
    }

    /**
     * The one-letter state of a process ({@code R}, {@code S}, {@code T}, {@code Z}...), or
     * {@code '?'} when it does not exist.
     */
    static char state(long pid) {
        Path stat = Paths.get("/proc", Long.toString(pid), "stat");
        if (Files.isDirectory(Paths.get("/proc", "self"))) {
            try {
                return parseProcStat(Files.readString(stat, StandardCharsets.US_ASCII));
            } catch (NoSuchFileException e) {
                return '?';
            } catch (IOException e) {
                // the process may have exited between the two calls
                return '?';
            }
        }
        return stateFromPs(pid);
    }

    /**
     * The state field of a {@code /proc/<pid>/stat} line: the first character after the last
     * {@code ')'} (the command name in parentheses may itself contain spaces and parentheses).
     */
    static char parseProcStat(String line) {
        int end = line.lastIndexOf(')');
        if (end < 0 || end + 2 >= line.length()) {
            throw new IllegalArgumentException("Not a /proc/<pid>/stat line: " + line);
        }
        return line.charAt(end + 2);
    }

    private static char stateFromPs(long pid) {
        try {
            Process ps = new ProcessBuilder("ps", "-o", "stat=", "-p", Long.toString(pid))
                    .redirectErrorStream(true)
                    .start();
            if (!ps.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                ps.destroyForcibly();
                throw new IllegalStateException("ps -p " + pid + " did not finish within " + COMMAND_TIMEOUT_SECONDS + " s");
            }
            String out = new String(ps.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            return ps.exitValue() == 0 && !out.isEmpty() ? out.charAt(0) : '?';
        } catch (IOException e) {
            throw new IllegalStateException("Could not run ps for pid " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running ps", e);
        }
    }

    /** Runs a short command; null when it succeeded, else its exit code and output. */
    private static @Nullable String run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "did not finish within " + COMMAND_TIMEOUT_SECONDS + " s";
            }
            if (process.exitValue() == 0) {
                return null;
            }
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return "exit code " + process.exitValue() + (out.isEmpty() ? "" : ": " + out);
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
