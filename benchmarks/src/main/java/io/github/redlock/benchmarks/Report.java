package io.github.redlock.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Turns JMH's JSON results into markdown tables: throughput, p50/p99, allocation per cycle, the
 * ratios against the limit and Redisson's RedLock measured in the same run, and the targets of docs/benchmarks.md.
 *
 * <pre>java -cp benchmarks.jar io.github.redlock.benchmarks.Report results.json [more.json ...]</pre>
 * With several files, a result in a later file replaces the one for the same benchmark, client,
 * nodes and threads in an earlier file (for re-running some entries of a run).
 */
public final class Report {

    /** One result row. Latencies in microseconds; throughput in operations per second. */
    record Row(String benchmark, String impl, int nodes, int threads, double throughput, double mean, double p50,
            double p99, double allocPerOp, double acquired, double refused, double errors) {

        boolean cycle() {
            return benchmark.equals("CycleBenchmark");
        }

        String shape() {
            return nodes + (nodes == 1 ? " node, " : " nodes, ") + threads + (threads == 1 ? " thread" : " threads");
        }
    }

    private final List<Row> rows;

    Report(List<Row> rows) {
        this.rows = rows;
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: Report RESULTS_JSON [MORE_JSON ...]");
        }
        List<Row> rows = new ArrayList<>();
        for (String file : args) {
            for (Row row : parse(Files.readString(Path.of(file))).rows) {
                rows.removeIf(r -> r.benchmark().equals(row.benchmark()) && r.impl().equals(row.impl())
                        && r.nodes() == row.nodes() && r.threads() == row.threads());
                rows.add(row);
            }
        }
        System.out.print(new Report(rows).markdown());
    }

    static Report parse(String json) {
        List<Row> rows = new ArrayList<>();
        for (Object item : (List<?>) Objects.requireNonNull(Json.parse(json), "JMH result is null")) {
            Map<?, ?> result = (Map<?, ?>) item;
            String benchmark = (String) Json.member(result, "benchmark");
            String[] parts = benchmark.split("\\.");
            String benchmarkClass = parts[parts.length - 2];
            Map<?, ?> params = (Map<?, ?>) result.get("params");
            String impl = params == null ? "?" : String.valueOf(params.get("impl"));
            int nodes = params == null ? 0 : Integer.parseInt(String.valueOf(params.get("nodes")));
            int threads = (int) Json.number(result.get("threads"));
            Map<?, ?> primary = (Map<?, ?>) Json.member(result, "primaryMetric");
            @Nullable Map<?, ?> secondary = (Map<?, ?>) result.get("secondaryMetrics");
            double score = Json.number(primary.get("score"));
            String unit = String.valueOf(primary.get("scoreUnit"));
            double alloc = secondary(secondary, "gc.alloc.rate.norm");
            if ("sample".equals(result.get("mode"))) {
                double scale = micros(unit);
                Map<?, ?> percentiles = (Map<?, ?>) Json.member(primary, "scorePercentiles");
                double mean = score * scale;
                rows.add(new Row(benchmarkClass, impl, nodes, threads, threads * 1e6 / mean, mean,
                        Json.number(percentiles.get("50.0")) * scale, Json.number(percentiles.get("99.0")) * scale,
                        alloc, Double.NaN, Double.NaN, Double.NaN));
            } else {
                rows.add(new Row(benchmarkClass, impl, nodes, threads, score, Double.NaN, Double.NaN, Double.NaN,
                        alloc, secondary(secondary, "acquired"), secondary(secondary, "refused"),
                        secondary(secondary, "errors")));
            }
        }
        return new Report(rows);
    }

    private static double secondary(@Nullable Map<?, ?> secondary, String name) {
        if (secondary == null || !(secondary.get(name) instanceof Map<?, ?> metric)) {
            return Double.NaN;
        }
        return Json.number(metric.get("score"));
    }

    private static double micros(String unit) {
        return switch (unit) {
            case "ns/op" -> 1e-3;
            case "us/op" -> 1;
            case "ms/op" -> 1e3;
            case "s/op" -> 1e6;
            default -> throw new IllegalArgumentException("unexpected unit " + unit);
        };
    }

    Optional<Row> find(String benchmark, String impl, int nodes, int threads) {
        return rows.stream()
                .filter(r -> r.benchmark().equals(benchmark) && r.impl().equals(impl) && r.nodes() == nodes
                        && r.threads() == threads)
                .findFirst();
    }

    String markdown() {
        StringBuilder out = new StringBuilder();
        List<Row> cycles = rows.stream().filter(Row::cycle)
                .sorted(Comparator.comparingInt(Row::threads).thenComparingInt(Row::nodes)
                        .thenComparingInt(r -> order(r.impl())))
                .toList();
        if (!cycles.isEmpty()) {
            out.append("### Uncontended lock + release cycles\n\n");
            out.append("Each cycle locks a fresh resource. Throughput = threads / mean latency (closed loop). ")
                    .append("Ratios compare with the same shape in the same run: `thr ÷ limit` (1.0 = as fast as ")
                    .append("the raw commands), `p50 ÷ limit` (1.0 = as fast), `× RedLock` (throughput over ")
                    .append("Redisson's RedLock).\n\n");
            out.append("| client | nodes | threads | cycles/s | p50 µs | p99 µs | alloc B/cycle | thr ÷ limit | p50 ÷ limit | × RedLock |\n");
            out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Row r : cycles) {
                Optional<Row> limit = find(r.benchmark(), "limit", r.nodes(), r.threads());
                Optional<Row> redLock = find(r.benchmark(), "redissonRedLock", r.nodes(), r.threads());
                out.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s |%n",
                        label(r.impl()), r.nodes(), r.threads(), count(r.throughput()), micros(r.p50()),
                        micros(r.p99()), count(r.allocPerOp()),
                        ratio(limit.map(l -> r.throughput() / l.throughput())),
                        ratio(limit.map(l -> r.p50() / l.p50())),
                        ratio(redLock.map(l -> r.throughput() / l.throughput()))));
            }
            out.append('\n');
        }
        List<Row> contended = rows.stream().filter(r -> !r.cycle())
                .sorted(Comparator.comparingInt(Row::nodes).reversed().thenComparingInt(r -> order(r.impl())))
                .toList();
        if (!contended.isEmpty()) {
            out.append("### One contended resource\n\n");
            out.append("Every thread tries once to lock the same resource, runs a short critical section when ")
                    .append("granted, and releases; a refused thread pauses 0.1 ms. `sections/s` = successful ")
                    .append("critical sections per second; ")
                    .append("`attempts/s` includes the refused tries and `errors/s` the tries that threw; ")
                    .append("allocation is per attempt.\n\n");
            out.append("| client | nodes | threads | sections/s | attempts/s | errors/s | alloc B/attempt | ÷ limit | × RedLock |\n");
            out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Row r : contended) {
                Optional<Row> limit = find(r.benchmark(), "limit", r.nodes(), r.threads());
                Optional<Row> redLock = find(r.benchmark(), "redissonRedLock", r.nodes(), r.threads());
                out.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %s | %s | %s | %s |%n",
                        label(r.impl()), r.nodes(), r.threads(), count(r.acquired()), count(r.throughput()),
                        count(r.errors()), count(r.allocPerOp()), ratio(limit.map(l -> r.acquired() / l.acquired())),
                        ratio(redLock.map(l -> r.acquired() / l.acquired()))));
            }
            out.append('\n');
        }
        out.append(targets());
        return out.toString();
    }

    /** The targets listed in docs/benchmarks.md, each with the measured ratio and MET / MISSED (or NOT MEASURED). */
    String targets() {
        StringBuilder out = new StringBuilder("### Targets\n\n| target | measured | verdict |\n|---|---|---|\n");
        Optional<Row> engine1 = find("CycleBenchmark", "engine", 5, 1);
        Optional<Row> limit1 = find("CycleBenchmark", "limit", 5, 1);
        Optional<Row> redLock1 = find("CycleBenchmark", "redissonRedLock", 5, 1);
        target(out, "5 nodes, 1 thread: p50 latency ≤ 1.15 × limit",
                both(engine1, limit1).map(p -> String.format(Locale.ROOT, "%.2f × (%s vs %s µs; mean %.2f ×)",
                        p[0].p50() / p[1].p50(), micros(p[0].p50()), micros(p[1].p50()), p[0].mean() / p[1].mean())),
                both(engine1, limit1).map(p -> p[0].p50() / p[1].p50() <= 1.15));
        target(out, "5 nodes, 1 thread: ≥ 3 × faster than Redisson RedLock (p50)",
                both(engine1, redLock1).map(p -> String.format(Locale.ROOT, "%.1f × (%s vs %s µs)",
                        p[1].p50() / p[0].p50(), micros(p[0].p50()), micros(p[1].p50()))),
                both(engine1, redLock1).map(p -> p[1].p50() / p[0].p50() >= 3));
        Optional<Row> engine16 = find("CycleBenchmark", "engine", 5, 16);
        Optional<Row> limit16 = find("CycleBenchmark", "limit", 5, 16);
        Optional<Row> redLock16 = find("CycleBenchmark", "redissonRedLock", 5, 16);
        target(out, "5 nodes, 16 threads: throughput ≥ 0.9 × limit",
                both(engine16, limit16).map(p -> String.format(Locale.ROOT, "%.2f × (%s vs %s cycles/s)",
                        p[0].throughput() / p[1].throughput(), count(p[0].throughput()), count(p[1].throughput()))),
                both(engine16, limit16).map(p -> p[0].throughput() / p[1].throughput() >= 0.9));
        target(out, "5 nodes, 16 threads: throughput ≥ 10 × Redisson RedLock",
                both(engine16, redLock16).map(p -> String.format(Locale.ROOT, "%.1f × (%s vs %s cycles/s)",
                        p[0].throughput() / p[1].throughput(), count(p[0].throughput()), count(p[1].throughput()))),
                both(engine16, redLock16).map(p -> p[0].throughput() / p[1].throughput() >= 10));
        List<Row> advised = rows.stream().filter(r -> r.impl().equals("springAdvice")).toList();
        if (advised.isEmpty()) {
            target(out, "advice adds ≤ 10 µs at p50 over a direct engine call", Optional.empty(), Optional.empty());
        }
        for (Row advice : advised) {
            Optional<Row> direct = find(advice.benchmark(), "springDirect", advice.nodes(), advice.threads());
            target(out, "advice adds ≤ 10 µs at p50 over a direct engine call (" + advice.shape() + ")",
                    direct.map(d -> String.format(Locale.ROOT, "%+.1f µs (%s vs %s µs; mean %+.1f µs)",
                            advice.p50() - d.p50(), micros(advice.p50()), micros(d.p50()), advice.mean() - d.mean())),
                    direct.map(d -> advice.p50() - d.p50() <= 10));
        }
        String allocations = rows.stream().filter(r -> r.cycle() && r.impl().equals("engine"))
                .sorted(Comparator.comparingInt(Row::threads).thenComparingInt(Row::nodes))
                .map(r -> r.nodes() + "n/" + r.threads() + "t: " + count(r.allocPerOp()) + " B")
                .reduce((a, b) -> a + "; " + b).orElse("");
        target(out, "allocation per cycle reported (engine)", allocations.isEmpty() ? Optional.empty()
                : Optional.of(allocations), allocations.isEmpty() ? Optional.empty() : Optional.of(true));
        return out.append('\n').toString();
    }

    private static void target(StringBuilder out, String name, Optional<String> measured, Optional<Boolean> met) {
        out.append("| ").append(name).append(" | ").append(measured.orElse("not measured")).append(" | ")
                .append(met.map(m -> m ? "MET" : "MISSED").orElse("NOT MEASURED")).append(" |\n");
    }

    private static Optional<Row[]> both(Optional<Row> a, Optional<Row> b) {
        return a.isPresent() && b.isPresent() ? Optional.of(new Row[] {a.get(), b.get()}) : Optional.empty();
    }

    private static int order(String impl) {
        List<String> order = List.of("limit", "engine", "springDirect", "springAdvice", "springObserved", "redissonRedLock",
                "redissonLock", "springIntegration");
        int i = order.indexOf(impl);
        return i < 0 ? order.size() : i;
    }

    static String label(String impl) {
        return switch (impl) {
            case "limit" -> "limit (raw Lettuce)";
            case "engine" -> "**this engine**";
            case "springDirect" -> "engine bean, direct call";
            case "springAdvice" -> "`@DistributedLock` advice";
            case "springObserved" -> "advice, with meters and observations";
            case "redissonRedLock" -> "Redisson RedLock";
            case "redissonLock" -> "Redisson RLock";
            case "springIntegration" -> "Spring Integration";
            default -> impl;
        };
    }

    private static String count(double value) {
        return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%,.0f", value);
    }

    private static String micros(double value) {
        if (Double.isNaN(value)) {
            return "–";
        }
        return String.format(Locale.ROOT, value >= 100 ? "%,.0f" : "%.1f", value);
    }

    private static String ratio(Optional<Double> value) {
        return value.filter(v -> !v.isNaN() && !v.isInfinite())
                .map(v -> String.format(Locale.ROOT, "%.2f", v)).orElse("–");
    }
}
