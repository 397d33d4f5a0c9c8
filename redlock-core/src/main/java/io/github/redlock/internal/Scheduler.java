package io.github.redlock.internal;

/** Runs a task after a delay, without blocking the caller. */
@FunctionalInterface
public interface Scheduler {

    void schedule(Runnable task, long delayNanos);
}
