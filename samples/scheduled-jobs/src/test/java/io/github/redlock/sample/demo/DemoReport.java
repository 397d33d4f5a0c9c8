package io.github.redlock.sample.demo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The demo's verdict: every tick of every job ran once, on one instance, never overlapping. */
final class DemoReport {

    private final List<Run> runs;
    private final Map<String, Map<String, Double>> counters;
    private final Optional<TraceSample> trace;

    DemoReport(List<Run> runs, Map<String, Map<String, Double>> countersByInstance) {
        this(runs, countersByInstance, Optional.empty());
    }

    private DemoReport(List<Run> runs, Map<String, Map<String, Double>> countersByInstance, Optional<TraceSample> trace) {
        this.runs = runs.stream().sorted(Comparator.comparing(Run::tick).thenComparing(Run::lock)).toList();
        this.counters = countersByInstance;
        this.trace = trace;
    }

    DemoReport withTrace(Optional<TraceSample> trace) {
        return new DemoReport(runs, counters, trace);
    }

    /** One tick of the report job as the first instance that ran one traced it. */
    Optional<TraceSample> trace() {
        return trace;
    }

    int runs() {
        return runs.size();
    }

    /** Ticks of one lock that ran more than once. */
    List<List<Run>> doubleRuns() {
        return byTick().values().stream().filter(group -> group.size() > 1).toList();
    }

    /** Pairs of runs of the same lock whose execution overlapped in time. */
    List<List<Run>> overlaps() {
        List<List<Run>> overlaps = new ArrayList<>();
        Map<String, List<Run>> byLock = runs.stream().collect(Collectors.groupingBy(Run::lock));
        for (List<Run> same : byLock.values()) {
            List<Run> sorted = same.stream().sorted(Comparator.comparingLong(Run::startNanos)).toList();
            for (int i = 1; i < sorted.size(); i++) {
                if (sorted.get(i - 1).overlaps(sorted.get(i))) {
                    overlaps.add(List.of(sorted.get(i - 1), sorted.get(i)));
                }
            }
        }
        return overlaps;
    }

    long instancesThatRan() {
        return runs.stream().map(Run::instance).distinct().count();
    }

    double counter(String name) {
        return counters.values().stream().mapToDouble(c -> c.getOrDefault(name, 0.0)).sum();
    }

    boolean passed() {
        return !runs.isEmpty() && doubleRuns().isEmpty() && overlaps().isEmpty();
    }

    private Map<String, List<Run>> byTick() {
        return runs.stream().collect(Collectors.groupingBy(run -> run.tick() + " " + run.lock(), TreeMap::new,
                Collectors.toList()));
    }

    String render() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("%n%-26s %-20s %s%n", "tick", "job", "ran on"));
        byTick().forEach((tickAndLock, group) -> out.append(String.format("%-26s %-20s %s%s%n",
                group.get(0).tick(), group.get(0).lock(),
                group.stream().map(Run::instance).collect(Collectors.joining(", ")),
                group.size() > 1 ? "   <-- DOUBLE RUN" : "")));
        out.append(String.format("%nper instance (from /actuator/prometheus):%n"));
        out.append(String.format("%-14s %14s %20s %22s%n", "instance", "acquisitions", "failures:contended",
                "failures:unavailable"));
        counters.forEach((instance, c) -> out.append(String.format("%-14s %14.0f %20.0f %22.0f%n", instance,
                c.getOrDefault("acquisitions", 0.0), c.getOrDefault("contended", 0.0),
                c.getOrDefault("unavailable", 0.0))));
        out.append(String.format("%ntotals: ticks=%d runs=%d skipped-by-lock=%.0f overlaps=%d double-runs=%d instances-that-ran=%d%n",
                byTick().size(), runs(), counter("contended"), overlaps().size(), doubleRuns().size(), instancesThatRan()));
        trace.ifPresent(sample -> out.append(String.format("%none tick's trace (%s, from target/demo/%s-spans.log):%n",
                sample.instance(), sample.instance())).append(sample.render()));
        overlaps().forEach(pair -> out.append("OVERLAP: ").append(pair).append('\n'));
        out.append(passed() ? "VERDICT: PASS - every tick ran exactly once, with no overlap\n"
                : "VERDICT: FAIL\n");
        return out.toString();
    }
}
