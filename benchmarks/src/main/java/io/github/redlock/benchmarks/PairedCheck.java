package io.github.redlock.benchmarks;

import io.github.redlock.test.RedisNodes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The performance targets of docs/benchmarks.md ("Targets"), measured so that a busy, shared machine skews them much less: the clients
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
 * <pre>java -cp benchmarks.jar io.github.redlock.benchmarks.PairedCheck [--contended|--observed [--baseline JAR]|--fenced] [NODES [ROUNDS]]</pre>
 * Defaults: 5 nodes, 6 measured rounds, after warm-up rounds that last until the JIT compiler is
 * nearly idle (at most 10). Prints one {@code paired} line per comparison and one {@code target}
 * line per target with its verdict; a target with cycles that were refused or threw is not met:
 * <ol>
 * <li>1 thread: p50 cycle latency of the engine and of the limit;
 * <li>16 threads: throughput of the engine and of the limit;
 * <li>1 thread, 3 nodes: p50 of a {@code @DistributedLock} call and of a direct call of the same
 *     context's engine bean; the difference is what the advice adds;
 * </ol>
 * and, reported without a target, what the meters and lock observations of an application with
 * Actuator add to a {@code @DistributedLock} call, 3 nodes ({@link ObservedCost}: calls with and
 * without them in alternating turns, the median of the per-turn differences with a bootstrap
 * interval); with {@code --observed}, only that (3 nodes by default), and with
 * {@code --baseline JAR} beside the same measure of another build's jar in the same run (see
 * benchmarks/baseline/build.sh).
 * Also reported without a target: fenced and unfenced lock+release cycles of the engine beside the
 * limit, 1 thread (p50) and 16 threads (throughput); with {@code --fenced}, only that.
 * With {@code --contended}: 8 threads on one resource, engine and limit in alternating phases, as
 * {@link ContendedBenchmark} (a refused try pauses 0.1 ms); critical sections per second and the
 * p50 of granted cycles, reported without a target.
 */
public final class PairedCheck {

    static final double LATENCY_RATIO_TARGET = 1.15;
    static final double THROUGHPUT_RATIO_TARGET = 0.9;
    static final double ADVICE_MICROS_TARGET = 10;

    private static final Runnable NOTHING = () -> { };

    private PairedCheck() {
    }

    public static void main(String[] args) throws Exception {
        @Nullable Path baseline = null;
        if (args.length > 2 && args[0].equals("--observed") && args[1].equals("--baseline")) {
            baseline = Path.of(args[2]);
            String[] rest = new String[args.length - 2];
            rest[0] = args[0];
            System.arraycopy(args, 3, rest, 1, args.length - 3);
            args = rest;
        }
        boolean contended = args.length > 0 && args[0].equals("--contended");
        boolean observedOnly = args.length > 0 && args[0].equals("--observed");
        boolean fencedOnly = args.length > 0 && args[0].equals("--fenced");
        int first = contended || observedOnly || fencedOnly ? 1 : 0;
        int nodes = args.length > first ? Integer.parseInt(args[first]) : observedOnly ? 3 : 5;
        int rounds = args.length > first + 1 ? Integer.parseInt(args[first + 1]) : 6;
        if (nodes < 1 || rounds < 1) {
            throw new IllegalArgumentException("NODES and ROUNDS must be at least 1; usage: PairedCheck [--contended|--observed [--baseline JAR]|--fenced] [NODES [ROUNDS]]");
        }
        if (contended) {
            contended(nodes, rounds);
            return;
        }
        if (observedOnly) {
            try (RedisNodes cluster = RedisNodes.start(nodes)) {
                ObservedCost.run(cluster.uris(), nodes, rounds, baseline);
            }
            return;
        }
        if (fencedOnly) {
            pairFencedAndUnfenced(nodes, rounds);
            return;
        }
        List<String> targets = new ArrayList<>();
        try (RedisNodes cluster = RedisNodes.start(nodes);
                LockTarget engine = LockTarget.create("engine", cluster.uris());
                LockTarget limit = LockTarget.create("limit", cluster.uris())) {
            Phase e = new Phase("engine", engine, 1, false);
            Phase l = new Phase("limit", limit, 1, false);
            alternate(List.of(e, l), rounds);
            double latency = e.p50() / l.p50();
            System.out.printf(Locale.ROOT, "paired %d nodes, 1 thread: engine p50 %.0f µs, mean %.0f µs | "
                    + "limit p50 %.0f µs, mean %.0f µs | ratio p50 %.2f, mean %.2f%n", nodes,
                    e.p50(), e.mean(), l.p50(), l.mean(), latency, e.mean() / l.mean());
            targets.add(verdict(String.format(Locale.ROOT, "%d nodes, 1 thread: engine p50 ≤ %.2f × the limit's", nodes,
                    LATENCY_RATIO_TARGET), latency <= LATENCY_RATIO_TARGET, "%.2f ×", latency, e, l));

            Phase e16 = new Phase("engine", engine, 16, false);
            Phase l16 = new Phase("limit", limit, 16, false);
            alternate(List.of(e16, l16), rounds);
            double throughput = e16.throughput() / l16.throughput();
            System.out.printf(Locale.ROOT, "paired %d nodes, 16 threads: engine %.0f cycles/s | limit %.0f cycles/s | "
                    + "ratio %.2f%n", nodes, e16.throughput(), l16.throughput(), throughput);
            targets.add(verdict(String.format(Locale.ROOT, "%d nodes, 16 threads: engine throughput ≥ %.1f × the limit's",
                    nodes, THROUGHPUT_RATIO_TARGET), throughput >= THROUGHPUT_RATIO_TARGET, "%.2f ×", throughput, e16, l16));
        }
        targets.add(pairAdviceAndDirect(3, rounds));
        try (RedisNodes cluster = RedisNodes.start(3)) {
            ObservedCost.run(cluster.uris(), 3, rounds, null);
        }
        pairFencedAndUnfenced(nodes, rounds);
        targets.forEach(System.out::println);
    }

    /**
     * Fenced and unfenced cycles of the engine, and the limit, alternating on the same nodes: 1 thread
     * (p50, mean) and 16 threads (throughput). Reported without a target: what a fencing token costs.
     */
    private static void pairFencedAndUnfenced(int nodes, int rounds) throws InterruptedException {
        try (RedisNodes cluster = RedisNodes.start(nodes);
                LockTarget fenced = LockTarget.create("engineFenced", cluster.uris());
                LockTarget engine = LockTarget.create("engine", cluster.uris());
                LockTarget limit = LockTarget.create("limit", cluster.uris())) {
            Phase f = new Phase("fenced", fenced, 1, false);
            Phase e = new Phase("engine", engine, 1, false);
            Phase l = new Phase("limit", limit, 1, false);
            alternate(List.of(f, e, l), rounds);
            System.out.printf(Locale.ROOT, "paired fenced, %d nodes, 1 thread: fenced p50 %.0f µs, mean %.0f µs | "
                    + "engine p50 %.0f µs, mean %.0f µs | limit p50 %.0f µs, mean %.0f µs | fenced/engine p50 %.2f, "
                    + "engine/limit p50 %.2f%s%n", nodes, f.p50(), f.mean(), e.p50(), e.mean(), l.p50(), l.mean(),
                    f.p50() / e.p50(), e.p50() / l.p50(), failures(f, e, l));
            Phase f16 = new Phase("fenced", fenced, 16, false);
            Phase e16 = new Phase("engine", engine, 16, false);
            Phase l16 = new Phase("limit", limit, 16, false);
            alternate(List.of(f16, e16, l16), rounds);
            System.out.printf(Locale.ROOT, "paired fenced, %d nodes, 16 threads: fenced %.0f cycles/s | engine %.0f"
                    + " cycles/s | limit %.0f cycles/s | fenced/engine %.2f, engine/limit %.2f%s%n", nodes,
                    f16.throughput(), e16.throughput(), l16.throughput(), f16.throughput() / e16.throughput(),
                    e16.throughput() / l16.throughput(), failures(f16, e16, l16));
        }
    }

    private static String failures(Phase... phases) {
        long failed = Arrays.stream(phases).mapToLong(Phase::failures).sum();
        return failed > 0 ? " (" + failed + " cycles refused or threw)" : "";
    }

    /** The {@code @DistributedLock} advice and a direct call of the same context's engine bean, 1 thread. */
    private static String pairAdviceAndDirect(int nodes, int rounds) throws InterruptedException {
        try (RedisNodes cluster = RedisNodes.start(nodes);
                SpringAdviceTarget advice = new SpringAdviceTarget(cluster.uris(), true)) {
            Phase a = new Phase("advice", advice, 1, false);
            Phase d = new Phase("direct", advice.sibling(), 1, false);
            alternate(List.of(a, d), rounds);
            double added = a.p50() - d.p50();
            System.out.printf(Locale.ROOT, "paired advice, %d nodes, 1 thread: advice p50 %.0f µs, mean %.0f µs | "
                    + "direct p50 %.0f µs, mean %.0f µs | advice adds p50 %+.1f µs, mean %+.1f µs%n", nodes,
                    a.p50(), a.mean(), d.p50(), d.mean(), added, a.mean() - d.mean());
            return verdict(String.format(Locale.ROOT, "%d nodes, 1 thread: @DistributedLock adds ≤ %.0f µs at p50", nodes,
                    ADVICE_MICROS_TARGET), added <= ADVICE_MICROS_TARGET, "%+.1f µs", added, a, d);
        }
    }

    /** 8 threads on one resource, engine and limit alternating: critical sections per second. */
    private static void contended(int nodes, int rounds) throws InterruptedException {
        try (RedisNodes cluster = RedisNodes.start(nodes);
                LockTarget engine = LockTarget.create("engine", cluster.uris());
                LockTarget limit = LockTarget.create("limit", cluster.uris())) {
            Phase e = new Phase("engine", engine, 8, true);
            Phase l = new Phase("limit", limit, 8, true);
            alternate(List.of(e, l), rounds);
            System.out.printf(Locale.ROOT, "paired %d nodes, 8 threads, one resource: engine %.0f sections/s, granted "
                    + "cycle p50 %.0f µs | limit %.0f sections/s, granted cycle p50 %.0f µs | ratio %.2f%n", nodes,
                    e.throughput(), e.p50(), l.throughput(), l.p50(), e.throughput() / l.throughput());
        }
    }

    private static String verdict(String target, boolean met, String format, double value, Phase... phases) {
        long failed = Arrays.stream(phases).mapToLong(Phase::failures).sum();
        String measured = Double.isNaN(value) ? "no data" : String.format(Locale.ROOT, format, value);
        String outcome = failed > 0 ? " (MISSED: " + failed + " cycles refused or threw)"
                : met && !Double.isNaN(value) ? " (met)" : " (MISSED)";
        return "target " + target + ": " + measured + outcome;
    }

    /**
     * Warm-up rounds until the JIT compiler is nearly idle (it otherwise favours the client with
     * less code to compile, all the more on a busy machine), then measured rounds. With one thread
     * a round calls the clients in turn, cycle by cycle, so that each sees the same moment's load;
     * with more, it runs each client alone for one second, in an order that changes every round
     * (for two clients: AB BA BA AB ...).
     */
    static void alternate(List<Phase> phases, int rounds) throws InterruptedException {
        JitWarmUp.Result warmUp = JitWarmUp.run(index -> round(phases, index, false), 20L * phases.size());
        System.out.printf(Locale.ROOT, "warm-up: %d rounds of %s%s%n", warmUp.rounds(), phases, warmUp.capNote());
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

    /**
     * One client's measured cycles: latencies of granted cycles, and granted cycles per second.
     * Uncontended, every cycle locks a fresh resource and a refused one is a failure; contended,
     * every cycle tries the same resource and a refused one pauses 0.1 ms, as a retry loop would.
     */
    static final class Phase {
        private static final long CONTENDED_BACKOFF_NANOS = 100_000;

        private final String name;
        private final LockTarget target;
        private final int threads;
        private final boolean contended;
        private final LongAdder refused = new LongAdder();
        private final LongAdder errors = new LongAdder();
        private long[] latencies = new long[1 << 16];
        private int recorded;
        private long cycles;
        private long nanos;
        private int sequence;

        Phase(String name, LockTarget target, int threads, boolean contended) {
            this.name = name;
            this.target = target;
            this.threads = threads;
            this.contended = contended;
        }

        /** {@code threads} threads cycling for {@code millis}. */
        void run(long millis, boolean measure) throws InterruptedException {
            AtomicBoolean stop = new AtomicBoolean();
            LongAdder done = new LongAdder();
            String prefix = "paired:" + name + ":" + threads + ":" + sequence++ + ":";
            List<Thread> workers = new ArrayList<>();
            long start = System.nanoTime();
            try {
                for (int t = 0; t < threads; t++) {
                    String names = prefix + t + ":";
                    Thread worker = new Thread(() -> {
                        long i = 0;
                        while (!stop.get()) {
                            if (cycle(contended ? "paired:contended:" + name : names + i++, measure)) {
                                done.increment();
                            }
                        }
                    });
                    worker.setDaemon(true);
                    worker.start();
                    workers.add(worker);
                }
                Thread.sleep(millis);
            } finally {
                stop.set(true);
            }
            for (Thread worker : workers) {
                worker.join();
            }
            if (measure) {
                cycles += done.sum();
                nanos += System.nanoTime() - start;
            }
        }

        /** One cycle in the calling thread. */
        void cycleOnce(boolean measure) {
            cycle("paired:" + name + ":1:" + sequence++, measure);
        }

        /** Whether the cycle was granted; records its latency when measuring. */
        private boolean cycle(String resource, boolean measure) {
            long t0 = System.nanoTime();
            try {
                if (target.cycle(resource, NOTHING)) {
                    // Not under 16 threads: one shared, synchronized record would throttle them.
                    if (measure && (threads == 1 || contended)) {
                        record(System.nanoTime() - t0);
                    }
                    return true;
                }
                if (measure && !contended) {
                    refused.increment();
                }
                if (contended) {
                    LockSupport.parkNanos(CONTENDED_BACKOFF_NANOS);
                }
            } catch (RuntimeException e) {
                if (measure) {
                    errors.increment();
                }
            }
            return false;
        }

        /** Measured cycles that failed: refused uncontended cycles, and cycles that threw. */
        long failures() {
            return refused.sum() + errors.sum();
        }

        /** Warns about measured cycles that failed (they count in no figure). */
        void warnAboutFailures() {
            if (failures() > 0) {
                System.out.printf(Locale.ROOT, "paired WARNING: %s: %d cycles not granted, %d threw%n", this,
                        refused.sum(), errors.sum());
            }
        }

        private synchronized void record(long latency) {
            if (recorded == latencies.length) {
                latencies = Arrays.copyOf(latencies, recorded * 2);
            }
            latencies[recorded++] = latency;
        }

        synchronized int recorded() {
            return recorded;
        }

        /**
         * The median, in µs, of the differences between the i-th measured cycles of {@code a} and
         * {@code b}: with one thread calling them in turn, the cycles of one turn; NaN without any.
         */
        static double medianDifference(Phase a, Phase b) {
            long[] differences;
            synchronized (a) {
                synchronized (b) {
                    int n = Math.min(a.recorded, b.recorded);
                    differences = new long[n];
                    for (int i = 0; i < n; i++) {
                        differences[i] = a.latencies[i] - b.latencies[i];
                    }
                }
            }
            if (differences.length == 0) {
                return Double.NaN;
            }
            Arrays.sort(differences);
            return differences[differences.length / 2] / 1e3;
        }

        /** p50 of the granted cycles' latency in µs; NaN when none was measured. */
        synchronized double p50() {
            if (recorded == 0) {
                return Double.NaN;
            }
            long[] sorted = Arrays.copyOf(latencies, recorded);
            Arrays.sort(sorted);
            return sorted[sorted.length / 2] / 1e3;
        }

        synchronized double mean() {
            return Arrays.stream(latencies, 0, recorded).average().orElse(Double.NaN) / 1e3;
        }

        /** Granted cycles per second over the measured phases; NaN before any. */
        double throughput() {
            return nanos == 0 ? Double.NaN : cycles / (nanos / 1e9);
        }

        @Override
        public String toString() {
            return name + " (" + threads + (threads == 1 ? " thread)" : " threads)");
        }
    }
}
