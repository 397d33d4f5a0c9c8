package io.github.redlock.internal;

import java.util.concurrent.atomic.AtomicBoolean;

/** Runs a task after a delay, without blocking the caller. */
@FunctionalInterface
public interface Scheduler {

    void schedule(Runnable task, long delayNanos);

    /**
     * As {@link #schedule}, and returns a handle that cancels the task if it has not run; by default
     * the task stays scheduled and does nothing when it comes due. Schedulers that can drop a task
     * (Netty's) do. A {@link Cancellable} task is scheduled as itself, and cancelled by its own flag.
     */
    default Runnable scheduleCancellable(Runnable task, long delayNanos) {
        if (task instanceof Cancellable own) {
            schedule(task, delayNanos);
            return own::cancel;
        }
        AtomicBoolean cancelled = new AtomicBoolean();
        schedule(() -> {
            if (!cancelled.get()) {
                task.run();
            }
        }, delayNanos);
        return () -> cancelled.set(true);
    }

    /**
     * A task that does nothing once cancelled: scheduled as itself, never wrapped, so that a scheduler
     * sees its type.
     */
    interface Cancellable extends Runnable {

        /** From now on, running the task does nothing. */
        void cancel();
    }
}
