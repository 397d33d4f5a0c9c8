package io.github.redlock.internal;

/** A monotonic clock in nanoseconds. Production code uses {@link #SYSTEM}; tests use a manual one. */
@FunctionalInterface
public interface Ticker {

    /** {@link System#nanoTime()}: monotonic, unaffected by wall-clock jumps. */
    Ticker SYSTEM = System::nanoTime;

    long nanoTime();
}
