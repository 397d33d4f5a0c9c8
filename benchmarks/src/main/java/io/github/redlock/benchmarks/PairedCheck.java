package io.github.redlock.benchmarks;

import io.github.redlock.test.RedisNodes;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The targets, measured so that a busy, shared machine skews them much less: the clients
 * compared run in one JVM against the same nodes, in alternating one-second phases whose order
 * changes every round (ABBA for two clients), so load that comes and goes hits them alike. JMH
 * runs each client in its own fork, one after the other, and load changing between forks moves
 * their ratio; here it cancels out.
 *
 * <pre>java -cp benchmarks.jar io.github.redlock.benchmarks.PairedCheck [NODES [ROUNDS]]</pre>
 * Defaults: 5 nodes, 6 measured rounds, after warm-up rounds that last until the JIT compiler is
 * nearly idle. Prints one {@code paired} line per
 * comparison and one {@code target} line per target with its verdict:
 * <ol>
 * <li>1 thread: p50 cycle latency of the engine and of the limit;
 * <li>16 threads: throughput of the engine, the limit and Redisson's RedLock;
 * <li>1 thread, 3 nodes: p50 of a {@code @DistributedLock} call and of a direct call of the same
 *     context's engine bean; the difference is what the advice adds.
 * </ol>
 */
public final class PairedCheck {

    static final double LATENCY_RATIO_TARGET = 1.15;
    static final double THROUGHPUT_RATIO_TARGET = 0.9;
    static final double REDLOCK_SPEEDUP_TARGET = 10;
    static final double ADVICE_MICROS_TARGET = 10;

    private static final int MIN_WARMUP_ROUNDS = 3;
    private static final int MAX_WARMUP_ROUNDS = 10;
    private static final Runnable NOTHING = () -> { };

    private PairedCheck() {
    }

    public static void main(String[] args) throws InterruptedException {
        int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        List<String> targets = new ArrayList<>();
        try (RedisNodes cluster = RedisNodes.start(nodes);
                LockTarget engine = LockTarget.create("engine", cluster.uris());
                LockTarget limit = LockTarget.create("limit", cluster.uris());
                LockTarget redLock = LockTarget.create("redissonRedLock", cluster.uris())) {
            Phase e = new Phase("engine", engine, 1);
            Phase l = new Phase("limit", limit, 1);
            alternate(List.of(e, l), rounds);
            double latency = e.p50() / l.p50();
            System.out.printf(Locale.ROOT, "paired %d nodes, 1 thread: engine p50 %.0f µs, mean %.0f µs | "
                    + "limit p50 %.0f µs, mean %.0f µs | ratio p50 %.2f, mean %.2f%n", nodes,
                    e.p50(), e.mean(), l.p50(), l.mean(), latency, e.mean() / l.mean());
            targets.add(verdict(String.format(Locale.ROOT, "%d nodes, 1 thread: engine p50 ≤ %.2f × the limit's", nodes,
                    LATENCY_RATIO_TARGET), latency <= LATENCY_RATIO_TARGET, "%.2f ×", latency));

            Phase e16 = new Phase("engine", engine, 16);
            Phase l16 = new Phase("limit", limit, 16);
            Phase r16 = new Phase("redissonRedLock", redLock, 16);
            alternate(List.of(e16, l16, r16), rounds);
            double throughput = e16.throughput() / l16.throughput();
            double speedup = e16.throughput() / r16.throughput();
            System.out.printf(Locale.ROOT, "paired %d nodes, 16 threads: engine %.0f cycles/s | limit %.0f cycles/s | "
                    + "Redisson RedLock %.0f cycles/s | engine ÷ limit %.2f, engine ÷ RedLock %.1f%n", nodes,
                    e16.throughput(), l16.throughput(), r16.throughput(), throughput, speedup);
            targets.add(verdict(String.format(Locale.ROOT, "%d nodes, 16 threads: engine throughput ≥ %.1f × the limit's",
                    nodes, THROUGHPUT_RATIO_TARGET), throughput >= THROUGHPUT_RATIO_TARGET, "%.2f ×", throughput));
            targets.add(verdict(String.format(Locale.ROOT, "%d nodes, 16 threads: engine throughput ≥ %.0f × Redisson RedLock's",
                    nodes, REDLOCK_SPEEDUP_TARGET), speedup >= REDLOCK_SPEEDUP_TARGET, "%.1f ×", speedup));
        }
        targets.add(pairAdviceAndDirect(3, rounds));
        targets.forEach(System.out::println);
    }

    /** The {@code @DistributedLock} advice and a direct call of the same context's engine bean, 1 thread. */
    private static String pairAdviceAndDirect(int nodes, int rounds) throws InterruptedException {
        try (RedisNodes cluster = RedisNodes.start(nodes);
                SpringAdviceTarget advice = new SpringAdviceTarget(cluster.uris(), true)) {
            Phase a = new Phase("advice", advice, 1);
            Phase d = new Phase("direct", advice.sibling(), 1);
            alternate(List.of(a, d), rounds);
            double added = a.p50() - d.p50();
            System.out.printf(Locale.ROOT, "paired advice, %d nodes, 1 thread: advice p50 %.0f µs, mean %.0f µs | "
                    + "direct p50 %.0f µs, mean %.0f µs | advice adds p50 %+.1f µs, mean %+.1f µs%n", nodes,
                    a.p50(), a.mean(), d.p50(), d.mean(), added, a.mean() - d.mean());
            return verdict(String.format(Locale.ROOT, "%d nodes, 1 thread: @DistributedLock adds ≤ %.0f µs at p50", nodes,
                    ADVICE_MICROS_TARGET), added <= ADVICE_MICROS_TARGET, "%+.1f µs", added);
        }
    }

    private static String verdict(String target, boolean met, String format, double value) {
        return "target " + target + ": " + String.format(Locale.ROOT, format, value) + (met ? " (met)" : " (MISSED)");
    }

    /**
     * Warm-up rounds until the JIT compiler is nearly idle (it otherwise favours the client with
     * less code to compile, all the more on a busy machine), then measured rounds; each round runs
     * every phase once for one second, in an order that changes every round (for two phases: AB BA
     * BA AB ...).
     */
    static void alternate(List<Phase> phases, int rounds) throws InterruptedException {
        int warmups = warmUp(phases);
        System.out.printf(Locale.ROOT, "warm-up: %d rounds of %s%n", warmups, phases);
        for (int r = 0; r < rounds; r++) {
            for (Phase phase : order(phases, r)) {
                phase.run(1000, true);
            }
        }
    }

    /** Runs warm-up rounds until one spends under 2 % of its time compiling (at least 3, at most 10). */
    private static int warmUp(List<Phase> phases) throws InterruptedException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        int round = 0;
        while (round < MAX_WARMUP_ROUNDS) {
            long compiledBefore = jit.getTotalCompilationTime();
            for (Phase phase : order(phases, round)) {
                phase.run(1000, false);
            }
            round++;
            long compiledMillis = jit.getTotalCompilationTime() - compiledBefore;
            if (round >= MIN_WARMUP_ROUNDS && compiledMillis < 20L * phases.size()) {
                break;
            }
        }
        return round;
    }

    static <T> List<T> order(List<T> items, int round) {
        List<T> order = new ArrayList<>(items);
        Collections.rotate(order, round / 2);
        if (round % 2 == 1) {
            Collections.reverse(order);
        }
        return order;
    }

    /** Repeated timed phases of one client; keeps per-cycle latencies (1 thread) and counts. */
    static final class Phase {
        private final String name;
        private final LockTarget target;
        private final int threads;
        private long[] latencies = new long[1 << 16];
        private int recorded;
        private long cycles;
        private long nanos;
        private int phase;

        Phase(String name, LockTarget target, int threads) {
            this.name = name;
            this.target = target;
            this.threads = threads;
        }

        void run(long millis, boolean measure) throws InterruptedException {
            AtomicBoolean stop = new AtomicBoolean();
            LongAdder done = new LongAdder();
            String prefix = "paired:" + name + ":" + threads + ":" + phase++ + ":";
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

        @Override
        public String toString() {
            return name + " (" + threads + (threads == 1 ? " thread)" : " threads)");
        }
    }
}
