package io.github.redlock.test;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds or a deadline passes; every wait in this package is bounded. */
final class Poll {

    private static final long MIN_INTERVAL_NANOS = Duration.ofMillis(5).toNanos();
    private static final long MAX_INTERVAL_NANOS = Duration.ofMillis(100).toNanos();

    private Poll() {
    }

    /**
     * Evaluates {@code condition} until it returns {@code true} or {@code timeout} has passed,
     * sleeping a little longer between attempts each time (5 ms up to 100 ms).
     *
     * @return whether the condition held before the deadline (it is evaluated once more at the
     *         deadline)
     * @throws IllegalStateException if the thread is interrupted (the interrupt flag is restored)
     */
    static boolean until(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long interval = MIN_INTERVAL_NANOS;
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return false;
            }
            sleepNanos(Math.min(interval, remaining));
            interval = Math.min(interval * 2, MAX_INTERVAL_NANOS);
        }
    }

    /**
     * Like {@link #until(Duration, BooleanSupplier)}, but fails when the deadline passes.
     *
     * @param what what is awaited, for the exception message
     * @throws IllegalStateException if the condition did not hold within {@code timeout}
     */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        if (!until(timeout, condition)) {
            throw new IllegalStateException("Timed out after " + timeout.toMillis() + " ms waiting for " + what);
        }
    }

    private static void sleepNanos(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting", e);
        }
    }
}
