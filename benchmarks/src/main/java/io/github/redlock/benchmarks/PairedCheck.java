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
 * compared run in one JVM against the same nodes, one thread calling them in turn cycle by cycle,
 * or 16 threads running each in alternating one-second phases whose order changes every round, so
 * load that comes and goes hits them alike. JMH runs each client in its own fork, one after the
 * other, and load changing between forks moves their ratio; here it cancels out.
 *
 * <p>Redisson is left out on purpose: its work after a phase (collecting the garbage of ~100 KB per
 * cycle, background tasks) spills into the other clients' phases. Alternated with idle phases its
 * RedLock ran 617 cycles/s, alone 417 (16 threads, 5 nodes): separate JMH forks are the fair
 * comparison for it.
 *
 * <pre>java -cp benchmarks.jar io.github.redlock.benchmarks.PairedCheck [NODES [ROUNDS]]</pre>
 * Defaults: 5 nodes, 6 measured rounds, after warm-up rounds that last until the JIT compiler is
 * nearly idle. Prints one {@code paired} line per
 * comparison and one {@code target} line per target with its verdict:
 * <ol>
 * <li>1 thread: p50 cycle latency of the engine and of the limit;
 * <li>16 threads: throughput of the engine and of the limit;
 * <li>1 thread, 3 nodes: p50 of a {@code @DistributedLock} call and of a direct call of the same
 *     context's engine bean; the difference is what the advice adds.
 * </ol>
 */
public final class PairedCheck {

    static final double LATENCY_RATIO_TARGET = 1.15;
    static final double THROUGHPUT_RATIO_TARGET = 0.9;
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
                LockTarget limit = LockTarget.create("limit", cluster.uris())) {
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
            alternate(List.of(e16, l16), rounds);
            double throughput = e16.throughput() / l16.throughput();
            System.out.printf(Locale.ROOT, "paired %d nodes, 16 threads: engine %.0f cycles/s | limit %.0f cycles/s | "
                    + "ratio %.2f%n", nodes, e16.throughput(), l16.throughput(), throughput);
            targets.add(verdict(String.format(Locale.ROOT, "%d nodes, 16 threads: engine throughput ≥ %.1f × the limit's",
                    nodes, THROUGHPUT_RATIO_TARGET), throughput >= THROUGHPUT_RATIO_TARGET, "%.2f ×", throughput));
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
     * less code to compile, all the more on a busy machine), then measured rounds. With one thread
     * a round calls the clients in turn, cycle by cycle, so that each sees the same moment's load;
     * with more, it runs each client alone for one second, in an order that changes every round
     * (for two clients: AB BA BA AB ...).
     */
    static void alternate(List<Phase> phases, int rounds) throws InterruptedException {
        int warmups = 0;
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        while (warmups < MAX_WARMUP_ROUNDS) {
            long compiledBefore = jit.getTotalCompilationTime();
            round(phases, warmups++, false);
            long compiledMillis = jit.getTotalCompilationTime() - compiledBefore;
            if (warmups >= MIN_WARMUP_ROUNDS && compiledMillis < 20L * phases.size()) {
                break;
            }
        }
        System.out.printf(Locale.ROOT, "warm-up: %d rounds of %s%n", warmups, phases);
        for (int r = 0; r < rounds; r++) {
            round(phases, r, true);
        }
        phases.forEach(Phase::warnAboutFailures);
    }

    /** One second per client. */
    private static void round(List<Phase> phases, int round, boolean measure) throws InterruptedException {
        if (phases.get(0).threads > 1) {
            for (Phase phase : order(phases, round)) {
                phase.run(1000, measure);
            }
            return;
        }
        long end = System.nanoTime() + phases.size() * 1_000_000_000L;
        for (int turn = 0; System.nanoTime() - end < 0; turn++) {
            for (Phase phase : order(phases, turn)) {
                phase.cycleOnce(measure);
            }
        }
    }

    static <T> List<T> order(List<T> items, int round) {
        List<T> order = new ArrayList<>(items);
        Collections.rotate(order, round / 2);
        if (round % 2 == 1) {
            Collections.reverse(order);
        }
        return order;
    }

    /** Repeated timed phases of one client; keeps per-cycle latencies (1 thread) and counts granted cycles. */
    static final class Phase {
        private final String name;
        private final LockTarget target;
        private final int threads;
        private long[] latencies = new long[1 << 16];
        private int recorded;
        private long cycles;
        private long nanos;
        private final LongAdder refused = new LongAdder();
        private final LongAdder errors = new LongAdder();
        private int sequence;

        Phase(String name, LockTarget target, int threads) {
            this.name = name;
            this.target = target;
            this.threads = threads;
        }

        /** {@code threads} threads cycling for {@code millis}. */
        void run(long millis, boolean measure) throws InterruptedException {
            AtomicBoolean stop = new AtomicBoolean();
            LongAdder done = new LongAdder();
            String prefix = "paired:" + name + ":" + threads + ":" + sequence++ + ":";
            List<Thread> workers = new ArrayList<>();
            long start = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                String names = prefix + t + ":";
                Thread worker = new Thread(() -> {
                    long i = 0;
                    while (!stop.get()) {
                        if (cycle(names + i++) > 0) {
                            done.increment();
                        }
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

        /** One cycle in the calling thread, its latency recorded when measuring. */
        void cycleOnce(boolean measure) {
            long latency = cycle("paired:" + name + ":1:" + sequence++);
            if (measure && latency > 0) {
                record(latency);
            }
        }

        /** The cycle's latency in nanoseconds, or 0 when it was not granted or threw (counted apart). */
        private long cycle(String resource) {
            long t0 = System.nanoTime();
            try {
                if (target.cycle(resource, NOTHING)) {
                    return Math.max(1, System.nanoTime() - t0);
                }
                refused.increment();
            } catch (RuntimeException e) {
                errors.increment();
            }
            return 0;
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

        /** Warns about cycles that were not granted or threw: uncontended cycles should all be granted. */
        void warnAboutFailures() {
            if (refused.sum() + errors.sum() > 0) {
                System.out.printf(Locale.ROOT, "paired WARNING: %s: %d cycles not granted, %d threw (not counted)%n", this,
                        refused.sum(), errors.sum());
            }
        }

        @Override
        public String toString() {
            return name + " (" + threads + (threads == 1 ? " thread)" : " threads)");
        }
    }
}
