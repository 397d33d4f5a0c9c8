package io.github.redlock.test;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Ends a test JVM that is still running {@value #PROPERTY} seconds after its JUnit Platform launcher
 * session opened, so that a hung test (a {@code join()} without a timeout, a lost wake-up) fails its
 * build instead of holding it. Off unless that system property is a positive number of seconds
 * (the default: off). When it fires, it prints every thread's stack to standard error and calls
 * {@link System#exit System.exit(1)}, which runs the shutdown hooks (the {@code redis-server}
 * processes started here are killed by theirs); if the JVM has not ended 30 s later, it halts.
 *
 * <p>The launcher finds it through {@link java.util.ServiceLoader} ({@code META-INF/services}), in any
 * test JVM that has this jar on its class path. This project's build sets the property for every
 * Surefire and Failsafe fork: Surefire's own {@code forkedProcessTimeoutInSeconds} fails the build
 * but lets a hung fork run on until its test returns.
 */
public final class TestJvmWatchdog implements LauncherSessionListener {

    /** The system property: seconds a test JVM may run; unset, 0 or negative: no limit. */
    public static final String PROPERTY = "redlock.test.jvm-timeout";

    private static final long HALT_AFTER_EXIT_SECONDS = 30;

    /** Used by the JUnit Platform launcher. */
    public TestJvmWatchdog() {
    }

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        long seconds = Long.getLong(PROPERTY, 0L);
        if (seconds <= 0) {
            return;
        }
        Thread watchdog = new Thread(() -> watch(seconds), "redlock-test-jvm-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private static void watch(long seconds) {
        try {
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        } catch (InterruptedException e) {
            return;
        }
        StringBuilder dump = new StringBuilder("[" + PROPERTY + "] this test JVM still runs after " + seconds
                + " s: ending it. Its threads:\n");
        for (Map.Entry<Thread, StackTraceElement[]> entry : Thread.getAllStackTraces().entrySet()) {
            Thread thread = entry.getKey();
            dump.append('"').append(thread.getName()).append("\" ").append(thread.getState()).append('\n');
            for (StackTraceElement frame : entry.getValue()) {
                dump.append("    at ").append(frame).append('\n');
            }
        }
        System.err.println(dump);
        System.err.flush();
        Thread halt = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.SECONDS.toMillis(HALT_AFTER_EXIT_SECONDS));
            } catch (InterruptedException e) {
                // halt at once
            }
            Runtime.getRuntime().halt(1);
        }, "redlock-test-jvm-halt");
        halt.setDaemon(true);
        halt.start();
        System.exit(1);
    }
}
