package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 23: one resource, 4 engines (application instances) × 2 threads, every thread looping
 * "wait up to 10 s for the lock, 20 ms of work, release" on 3 real nodes. Every waiter must be
 * served: none times out, and each thread gets at least half the mean share of the sections.
 * Counts only, never timings.
 */
class WaitingFairnessIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final int ENGINES = 4;
    private static final int THREADS_PER_ENGINE = 2;
    private static final Duration RUN = Duration.ofSeconds(6);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long WORK_MILLIS = 20;

    @Test
    void everyWaiterIsServedAndNoneTimesOut() throws Exception {
        List<Redlock> engines = new ArrayList<>();
        for (int i = 0; i < ENGINES; i++) {
            engines.add(Redlock.builder().servers(redis.uris()).build());
        }
        int threads = ENGINES * THREADS_PER_ENGINE;
        AtomicLongArray sections = new AtomicLongArray(threads);
        AtomicInteger timeouts = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger inside = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int index = t;
                Redlock redlock = engines.get(t / THREADS_PER_ENGINE);
                Thread worker = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    while (running.get()) {
                        LockResult result = redlock.tryLock(LockRequest.of("fair", Duration.ofSeconds(30)).withWaitTime(WAIT));
                        if (result.lease().isEmpty()) {
                            timeouts.incrementAndGet();
                            continue;
                        }
                        Lease lease = result.lease().get();
                        if (inside.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        sections.incrementAndGet(index);
                        sleepQuietly(WORK_MILLIS); // the work under the lock, not a synchronisation
                        inside.decrementAndGet();
                        lease.release();
                    }
                }, "waiter-" + t);
                worker.start();
                workers.add(worker);
            }
            start.countDown();
            sleepQuietly(RUN.toMillis()); // how long the run lasts, not a synchronisation
            running.set(false);
            // A worker ends after its current call: at most the wait plus a margin. One that does not
            // is interrupted (its wait ends as INTERRUPTED) rather than left to hang the build.
            List<String> stuck = new ArrayList<>();
            long joinUntil = System.nanoTime() + WAIT.plusSeconds(10).toNanos();
            for (Thread worker : workers) {
                worker.join(Math.max(1, (joinUntil - System.nanoTime()) / 1_000_000));
                if (worker.isAlive()) {
                    stuck.add(worker.getName());
                    worker.interrupt();
                }
            }
            for (Thread worker : workers) {
                worker.join(5_000);
            }
            assertThat(stuck).as("workers still in a lock call %s after the run ended", WAIT.plusSeconds(10)).isEmpty();
        } finally {
            engines.forEach(Redlock::close);
        }
        long total = 0;
        long min = Long.MAX_VALUE;
        long max = 0;
        List<Long> perThread = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long n = sections.get(t);
            perThread.add(n);
            total += n;
            min = Math.min(min, n);
            max = Math.max(max, n);
        }
        double halfMeanShare = total / (double) threads / 2;
        System.out.printf("waiting fairness: %d sections in %s, per thread %s, %d timed out%n", total, RUN, perThread,
                timeouts.get());
        assertThat(overlaps.get()).as("overlapping sections").isZero();
        assertThat(timeouts.get()).as("waiters that timed out after %s; sections per thread %s", WAIT, perThread).isZero();
        assertThat((double) min).as("fewest sections of a thread (%s sections, per thread %s, half the mean share %.1f)",
                total, perThread, halfMeanShare).isGreaterThanOrEqualTo(halfMeanShare);
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
