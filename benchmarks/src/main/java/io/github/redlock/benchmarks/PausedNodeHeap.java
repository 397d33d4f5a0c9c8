package io.github.redlock.benchmarks;

import io.github.redlock.Lease;
import io.github.redlock.Redlock;
import io.github.redlock.RedlockOptions;
import io.github.redlock.test.RedisNodes;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Heap under a steady load while one of 3 nodes is paused (SIGSTOP): THREADS threads (default 64) lock and release
 * their own resources without pause, granted by the two other nodes, while every command sent to
 * the paused node waits for a reply that does not come. Prints the heap used after a full GC every
 * 10 s, for the given {@code requestQueueSize} (default: the engine's default; 2147483647 to see
 * it unbounded).
 *
 * <pre>java -Xmx512m -cp benchmarks.jar io.github.redlock.benchmarks.PausedNodeHeap [REQUEST_QUEUE_SIZE [SECONDS [THREADS]]]</pre>
 * Each release waits for the paused node's timeout, so a thread cycles about 10 times a second.
 */
public final class PausedNodeHeap {

    private PausedNodeHeap() {
    }

    public static void main(String[] args) throws InterruptedException {
        int queue = args.length > 0 ? Integer.parseInt(args[0]) : RedlockOptions.DEFAULT_REQUEST_QUEUE_SIZE;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int threadCount = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (RedisNodes nodes = RedisNodes.start(3);
                Redlock redlock = Redlock.builder().servers(nodes.uris()).requestQueueSize(queue).build()) {
            AtomicBoolean running = new AtomicBoolean(true);
            LongAdder granted = new LongAdder();
            LongAdder refused = new LongAdder();
            List<Thread> threads = new ArrayList<>();
            nodes.node(0).pause();
            try {
                for (int t = 0; t < threadCount; t++) {
                    int thread = t;
                    Thread worker = new Thread(() -> {
                        long i = 0;
                        while (running.get()) {
                            Optional<Lease> lease = redlock.lock("paused-" + thread + "-" + i++, Duration.ofSeconds(10));
                            if (lease.isPresent()) {
                                granted.increment();
                                redlock.release(lease.get());
                            } else {
                                refused.increment();
                            }
                        }
                    }, "load-" + t);
                    worker.setDaemon(true);
                    worker.start();
                    threads.add(worker);
                }
                long startNanos = System.nanoTime();
                for (int s = 10; s <= seconds; s += 10) {
                    long due = startNanos + TimeUnit.SECONDS.toNanos(s);
                    while (System.nanoTime() - due < 0) {
                        Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(due - System.nanoTime())));
                    }
                    System.gc();
                    long usedMb = memory.getHeapMemoryUsage().getUsed() >> 20;
                    System.out.printf(Locale.ROOT, "paused node, requestQueueSize %d, %d threads, %3d s: heap used after GC"
                            + " %4d MB, %d locks granted, %d refused%n", queue, threadCount, s, usedMb, granted.sum(), refused.sum());
                }
            } finally {
                running.set(false);
                for (Thread worker : threads) {
                    worker.join(10_000);
                }
                nodes.node(0).resume();
            }
        }
    }
}
