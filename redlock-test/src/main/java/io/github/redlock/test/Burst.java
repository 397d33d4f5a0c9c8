package io.github.redlock.test;

import java.lang.reflect.InvocationTargetException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * Runs a task on many threads released at the same moment, and counts the outcomes: a burst of
 * callers such as a fleet of jobs starting together. Every wait is bounded.
 */
public final class Burst {

    /** The kind of threads a burst runs on. */
    public enum Threads {
        /** One platform thread per task. */
        PLATFORM,
        /** One virtual thread per task (Java 21 and later; see {@link Burst#virtualThreadsAvailable()}). */
        VIRTUAL
    }

    /**
     * The outcome of a burst.
     *
     * @param size how many tasks ran
     * @param succeeded how many returned null (success)
     * @param failures each failure description returned by a task, with how often
     */
    public record Result(int size, int succeeded, Map<String, Integer> failures) {
    }

    private Burst() {
    }

    /** Whether this JVM has virtual threads (Java 21 and later). */
    public static boolean virtualThreadsAvailable() {
        return Runtime.version().feature() >= 21;
    }

    /**
     * Starts {@code size} threads, releases them together once all are ready, and has each run
     * {@code task} with its index. A task returns null on success, or a short description of its failure.
     *
     * @throws IllegalStateException if the threads do not start, or the tasks do not end, within 3 minutes
     */
    public static Result run(int size, Threads threads, IntFunction<@Nullable String> task) {
        ExecutorService executor = executor(threads);
        try {
            return run(size, executor, task);
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * As {@link #run(int, Threads, IntFunction)}, on {@code executor}, which must run all {@code size}
     * tasks at the same time (for example a thread per task, such as Spring's task executor with
     * virtual threads).
     */
    public static Result run(int size, Executor executor, IntFunction<@Nullable String> task) {
        CountDownLatch ready = new CountDownLatch(size);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(size);
        AtomicInteger succeeded = new AtomicInteger();
        Map<String, Integer> failures = new ConcurrentHashMap<>();
        for (int i = 0; i < size; i++) {
            int index = i;
            executor.execute(() -> {
                try {
                    ready.countDown();
                    if (!go.await(3, TimeUnit.MINUTES)) {
                        return;
                    }
                    String failure = task.apply(index);
                    if (failure == null) {
                        succeeded.incrementAndGet();
                    } else {
                        failures.merge(failure, 1, Integer::sum);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    failures.merge(e.toString(), 1, Integer::sum);
                } finally {
                    done.countDown();
                }
            });
        }
        await(ready, "start");
        go.countDown();
        await(done, "finish");
        return new Result(size, succeeded.get(), new TreeMap<>(failures));
    }

    private static void await(CountDownLatch latch, String what) {
        try {
            if (!latch.await(3, TimeUnit.MINUTES)) {
                throw new IllegalStateException(latch.getCount() + " threads of the burst did not " + what + " within 3 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static ExecutorService executor(Threads threads) {
        if (threads == Threads.PLATFORM) {
            return Executors.newCachedThreadPool(task -> {
                Thread thread = new Thread(task, "burst");
                thread.setDaemon(true);
                return thread;
            });
        }
        if (!virtualThreadsAvailable()) {
            throw new IllegalStateException("virtual threads need Java 21 or later, this is " + Runtime.version());
        }
        try {
            // Called reflectively: this module compiles for Java 17.
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (NoSuchMethodException | IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot create virtual threads", e);
        }
    }
}
