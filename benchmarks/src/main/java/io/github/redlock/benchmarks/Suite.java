package io.github.redlock.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The whole comparison in one run, sized for a 2-core machine (about 7 minutes): every shape of
 * docs/benchmarks.md, each client in its own forked JVM (one fork), all with {@code -prof gc}: warm-up
 * iterations of 1 s until the engine's code is compiled (4 to 16, see {@link #warmupSeconds}),
 * then 2 measured iterations of 1 s.
 * Writes JMH's JSON to {@code <out>/results.json}; {@link Report} turns it into tables.
 *
 * <pre>
 * java -cp benchmarks.jar io.github.redlock.benchmarks.Suite [--out DIR] [--smoke] [--only SUBSTRING]
 * </pre>
 * {@code --smoke} runs every entry with one 1-second iteration (a check, not a measurement);
 * {@code --only} keeps the plan entries whose description contains the given text.
 */
public final class Suite {

    private static final List<String> REDLOCKS = List.of("engine", "limit", "redissonRedLock");
    private static final List<String> SINGLE_NODE_PEERS = List.of("redissonLock", "springIntegration");

    /** One JMH invocation: a benchmark method, thread count, and the impl/node values to cross. */
    record Entry(String benchmark, int threads, List<String> nodes, List<String> impls) {
        String describe() {
            return benchmark + " threads=" + threads + " nodes=" + String.join(",", nodes)
                    + " impl=" + String.join(",", impls);
        }
    }

    private Suite() {
    }

    static List<Entry> plan() {
        List<Entry> plan = new ArrayList<>();
        for (int threads : new int[] {1, 16}) {
            for (String nodes : List.of("1", "3", "5")) {
                // Redisson's RedLock over a single node says nothing its RLock does not: left out.
                List<String> impls = new ArrayList<>(nodes.equals("1") ? List.of("engine", "limit") : REDLOCKS);
                if (nodes.equals("1")) {
                    impls.addAll(SINGLE_NODE_PEERS);
                }
                plan.add(new Entry("CycleBenchmark", threads, List.of(nodes), impls));
            }
        }
        // The Spring layer's cost: the same engine bean called directly, then through @DistributedLock.
        plan.add(new Entry("CycleBenchmark", 1, List.of("3"), List.of("springDirect", "springAdvice", "springObserved")));
        plan.add(new Entry("ContendedBenchmark", 8, List.of("5"), REDLOCKS));
        List<String> singleNode = new ArrayList<>(List.of("engine", "limit"));
        singleNode.addAll(SINGLE_NODE_PEERS);
        plan.add(new Entry("ContendedBenchmark", 8, List.of("1"), singleNode));
        return plan;
    }

    public static void main(String[] args) throws RunnerException, java.io.IOException {
        Path out = Path.of("benchmarks", "results");
        boolean smoke = false;
        String only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--smoke" -> smoke = true;
                case "--only" -> only = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: Suite [--out DIR] [--smoke] [--only SUBSTRING]");
            }
        }
        Files.createDirectories(out);
        Path json = out.resolve("results.json");
        long started = System.nanoTime();
        List<RunResult> results = new ArrayList<>();
        List<Entry> plan = plan();
        int index = 0;
        for (Entry entry : plan) {
            index++;
            if (only != null && !entry.describe().contains(only)) {
                continue;
            }
            System.out.printf(Locale.ROOT, "%n=== [%d/%d] %s (%s elapsed)%n", index, plan.size(), entry.describe(),
                    elapsed(started));
            ChainedOptionsBuilder options = new OptionsBuilder()
                    .include(Suite.class.getPackageName() + "." + entry.benchmark() + "\\.")
                    .threads(entry.threads())
                    .param("nodes", entry.nodes().toArray(String[]::new))
                    .param("impl", entry.impls().toArray(String[]::new))
                    .forks(1)
                    .addProfiler(GCProfiler.class);
            if (smoke) {
                options.warmupIterations(1).warmupTime(TimeValue.seconds(1))
                        .measurementIterations(1).measurementTime(TimeValue.seconds(1));
            } else {
                options.warmupIterations(warmupSeconds(entry)).warmupTime(TimeValue.seconds(1))
                        .measurementIterations(2).measurementTime(TimeValue.seconds(1));
            }
            Collection<RunResult> run = new Runner(options.build()).run();
            results.addAll(run);
            // Written after every entry, so an interrupted run keeps what it measured.
            ResultFormatFactory.getInstance(ResultFormatType.JSON, json.toString()).writeOut(results);
        }
        System.out.printf(Locale.ROOT, "%nSuite finished: %d results in %s; JSON in %s%n", results.size(),
                elapsed(started), json);
    }

    /**
     * Long enough for the engine to reach its steady state. Its per-cycle code runs once per cycle
     * (Lettuce's once per command), so C2 compiles it only after ~15,000 cycles, and later still
     * when busy threads leave the compiler little CPU. Before that the engine measured 1.3-1.4 x
     * the limit's latency at one thread and 0.6 x its throughput at 16 threads (5 nodes); after it,
     * on a par. Fewer nodes mean more cycles per second, so less time.
     */
    static int warmupSeconds(Entry entry) {
        int nodes = Integer.parseInt(entry.nodes().get(0));
        if (entry.benchmark().equals("ContendedBenchmark")) {
            return 6;
        }
        if (entry.threads() == 1) {
            return nodes == 1 ? 4 : nodes == 3 ? 7 : 11;
        }
        return nodes == 1 ? 8 : nodes == 3 ? 12 : 16;
    }

    private static String elapsed(long started) {
        Duration d = Duration.ofNanos(System.nanoTime() - started);
        return String.format(Locale.ROOT, "%dm%02ds", d.toMinutes(), d.toSecondsPart());
    }
}
