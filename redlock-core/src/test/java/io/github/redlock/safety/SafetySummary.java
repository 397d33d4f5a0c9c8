package io.github.redlock.safety;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Collects the figures of every safety scenario run in this JVM and prints them once, when the
 * whole test plan has finished (the JUnit root context closes), also to
 * {@code target/safety-summary.md}. Register it on each safety test class with
 * {@code @ExtendWith(SafetySummary.class)}; scenarios call {@link #record}.
 */
public final class SafetySummary implements BeforeAllCallback {

    /** One scenario's figures. */
    public record Scenario(String name, long seed, long sections, int faults, int overlaps, int staleWrites,
            Duration took, String notes) {
    }

    private static final SuiteSummary<Scenario> SUMMARY = new SuiteSummary<>("safety",
            "Summary of the safety suite (overlaps must be 0 except in negative controls):", "safety-summary.md",
            Comparator.comparing(Scenario::name), SafetySummary::table);

    @Override
    public void beforeAll(ExtensionContext context) {
        SUMMARY.printWhenThePlanEnds(context);
    }

    static void record(Scenario scenario) {
        SUMMARY.add(scenario, line(scenario));
    }

    /** A stopwatch and seed for one scenario, so each test records its figures in one call. */
    static Run start(String name) {
        long seed = Long.getLong("redlock.safety.seed", System.nanoTime() ^ name.hashCode());
        System.out.println("[safety] " + name + ": seed " + seed + " (rerun with -Dredlock.safety.seed=" + seed + ")");
        return new Run(name, seed, System.nanoTime());
    }

    /** Whether the long soak variants run ({@code -Dredlock.soak=true}). */
    static boolean soak() {
        return Boolean.getBoolean("redlock.soak");
    }

    record Run(String name, long seed, long startNanos) {
        void done(long sections, int faults, int overlaps, int staleWrites, String notes) {
            record(new Scenario(name, seed, sections, faults, overlaps, staleWrites,
                    Duration.ofNanos(System.nanoTime() - startNanos), notes));
        }
    }

    private static String line(Scenario s) {
        return String.format(Locale.ROOT, "%s: %d critical sections, %d faults, %d overlaps, %d stale writes, %.1f s%s",
                s.name(), s.sections(), s.faults(), s.overlaps(), s.staleWrites(), s.took().toMillis() / 1000.0,
                s.notes().isEmpty() ? "" : " (" + s.notes() + ")");
    }

    static String table(List<Scenario> scenarios) {
        StringBuilder text = new StringBuilder();
        text.append("| scenario | critical sections | faults injected | overlaps | stale writes | time | notes |\n");
        text.append("|---|---:|---:|---:|---:|---:|---|\n");
        long sections = 0;
        int faults = 0;
        int overlaps = 0;
        int stale = 0;
        long millis = 0;
        for (Scenario s : scenarios) {
            text.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %.1f s | %s |%n", s.name(), s.sections(),
                    s.faults(), s.overlaps(), s.staleWrites(), s.took().toMillis() / 1000.0, s.notes()));
            sections += s.sections();
            faults += s.faults();
            overlaps += s.overlaps();
            stale += s.staleWrites();
            millis += s.took().toMillis();
        }
        text.append(String.format(Locale.ROOT, "| **total (%d scenarios)** | %d | %d | %d | %d | %.1f s | |%n",
                scenarios.size(), sections, faults, overlaps, stale, millis / 1000.0));
        return text.toString();
    }
}
