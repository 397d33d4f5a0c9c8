package io.github.redlock.benchmarks;

import io.github.redlock.test.RedisNodes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * A cross-check of the headline ratios that a busy, shared machine skews much less: the engine and the
 * limit run in one JVM against the same nodes, in alternating one-second phases (ABBA order), so
 * load that comes and goes hits both alike. JMH runs each client in its own fork, one after the
 * other, and load changing between forks moves their ratio; here it cancels out.
 *
 * <pre>java -cp benchmarks.jar io.github.redlock.benchmarks.PairedCheck [NODES [ROUNDS]]</pre>
 * Prints, for 1 thread, p50 and mean latency of each and their ratio; for 16 threads, throughput
 * of each and their ratio. Then the same for the {@code @DistributedLock} advice against a direct
 * call of the same context's engine bean (3 nodes, 1 thread): the difference is the advice's cost.
 */
public final class PairedCheck {

    private static final Runnable NOTHING = () -> { };

    private PairedCheck() {
    }

    public static void main(String[] args) throws InterruptedException {
        int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        pairEngineAndLimit(nodes, rounds);
        pairAdviceAndDirect(3, rounds);
    }

    /** The {@code @DistributedLock} advice and a direct call of the same context's engine bean, 1 thread. */
    private static void pairAdviceAndDirect(int nodes, int rounds) throws InterruptedException {
        try (RedisNodes cluster = RedisNodes.start(nodes);
                SpringAdviceTarget advice = new SpringAdviceTarget(cluster.uris(), true)) {
            Phase a = new Phase(advice, 1);
            Phase d = new Phase(advice.sibling(), 1);
            alternate(a, d, rounds);
            System.out.printf(Locale.ROOT, "paired advice, %d nodes, 1 thread: advice p50 %.0f µs, mean %.0f µs | "
                    + "direct p50 %.0f µs, mean %.0f µs | advice adds p50 %+.1f µs, mean %+.1f µs%n", nodes,
                    a.p50(), a.mean(), d.p50(), d.mean(), a.p50() - d.p50(), a.mean() - d.mean());
        }
    }

    private static void alternate(Phase a, Phase b, int rounds) throws InterruptedException {
        for (int w = 0; w < 2; w++) {
            a.run(1000, false);
            b.run(1000, false);
        }
        for (int r = 0; r < rounds; r++) {
            Phase first = r % 2 == 0 ? a : b;
            Phase second = r % 2 == 0 ? b : a;
            first.run(1000, true);
            second.run(1000, true);
        }
    }

    private static void pairEngineAndLimit(int nodes, int rounds) throws InterruptedException {
        try (RedisNodes cluster = RedisNodes.start(nodes);
                LockTarget engine = LockTarget.create("engine", cluster.uris());
                LockTarget limit = LockTarget.create("limit", cluster.uris())) {
            for (int threads : new int[] {1, 16}) {
                Phase e = new Phase(engine, threads);
                Phase l = new Phase(limit, threads);
                alternate(e, l, rounds);
                if (threads == 1) {
                    System.out.printf(Locale.ROOT, "paired %d nodes, 1 thread: engine p50 %.0f µs, mean %.0f µs | "
                            + "limit p50 %.0f µs, mean %.0f µs | ratio p50 %.2f, mean %.2f%n", nodes,
                            e.p50(), e.mean(), l.p50(), l.mean(), e.p50() / l.p50(), e.mean() / l.mean());
                } else {
                    System.out.printf(Locale.ROOT, "paired %d nodes, %d threads: engine %.0f cycles/s | "
                            + "limit %.0f cycles/s | ratio %.2f%n", nodes, threads, e.throughput(), l.throughput(),
                            e.throughput() / l.throughput());
                }
            }
        }
    }

    /** Repeated timed phases of one client; keeps per-cycle latencies (1 thread) and counts. */
    private static final class Phase {
        private final LockTarget target;
        private final int threads;
        private long[] latencies = new long[1 << 16];
        private int recorded;
        private long cycles;
        private long nanos;
        private int phase;

        Phase(LockTarget target, int threads) {
            this.target = target;
            this.threads = threads;
        }

        void run(long millis, boolean measure) throws InterruptedException {
            AtomicBoolean stop = new AtomicBoolean();
            LongAdder done = new LongAdder();
            String prefix = "paired:" + System.identityHashCode(this) + ":" + phase++ + ":";
            List<Thread> workers = new ArrayList<>();
            long start = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                String names = prefix + t + ":";
                boolean timeEach = measure && threads == 1;
                Thread worker = new Thread(() -> {
                    long i = 0;
                    while (!stop.get()) {
                        long t0 = System.nanoTime();
                        target.cycle(names + i++, NOTHING);
                        if (timeEach) {
                            record(System.nanoTime() - t0);
                        }
                        done.increment();
                    }
                });
                worker.start();
                workers.add(worker);
            }
            Thread.sleep(millis);
            stop.set(true);
            for (Thread worker : workers) {
                worker.join();
            }
            if (measure) {
                cycles += done.sum();
                nanos += System.nanoTime() - start;
            }
        }

        private void record(long latency) {
            if (recorded == latencies.length) {
                latencies = Arrays.copyOf(latencies, recorded * 2);
            }
            latencies[recorded++] = latency;
        }

        double p50() {
            long[] sorted = Arrays.copyOf(latencies, recorded);
            Arrays.sort(sorted);
            return sorted[sorted.length / 2] / 1e3;
        }

        double mean() {
            return Arrays.stream(latencies, 0, recorded).average().orElse(Double.NaN) / 1e3;
        }

        double throughput() {
            return cycles / (nanos / 1e9);
        }
    }
}
