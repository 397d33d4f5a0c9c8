package io.github.redlock.safety;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
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

    private static final ConcurrentLinkedQueue<Scenario> SCENARIOS = new ConcurrentLinkedQueue<>();
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SafetySummary.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(NAMESPACE).computeIfAbsent(Printer.class, key -> new Printer(), Printer.class);
    }

    static void record(Scenario scenario) {
        SCENARIOS.add(scenario);
        System.out.println("[safety] " + line(scenario));
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

    /** Prints the table when the root context closes, that is after the last test of the plan. */
    private static final class Printer implements AutoCloseable {
        @Override
        public void close() {
            List<Scenario> scenarios = new ArrayList<>(SCENARIOS);
            if (scenarios.isEmpty()) {
                return;
            }
            scenarios.sort(Comparator.comparing(Scenario::name));
            String table = table(scenarios);
            System.out.println("\n[safety] Summary of the safety suite (overlaps must be 0 except in negative controls):\n"
                    + table);
            try {
                Path target = Path.of("target");
                if (Files.isDirectory(target)) {
                    Files.writeString(target.resolve("safety-summary.md"), table, StandardCharsets.UTF_8);
                }
            } catch (IOException e) {
                System.out.println("[safety] could not write target/safety-summary.md: " + e);
            }
        }
    }
}
