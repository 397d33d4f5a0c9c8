package io.github.redlock.safety;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The figures of every fencing scenario run in this JVM, printed once when the test plan ends and
 * written to {@code target/fencing-summary.md} (as {@link SafetySummary} does for the lock).
 * Register it with {@code @ExtendWith(FencingSummary.class)}; scenarios call {@link Run#done}.
 */
public final class FencingSummary implements BeforeAllCallback {

    /** One scenario's figures; {@code negativeControl} scenarios must show violations. */
    public record Scenario(String name, int nodes, int grants, long pairsChecked, int refusedWrites, int c1, int c2,
            int store, boolean negativeControl, Duration took, String notes) {
    }

    private static final SuiteSummary<Scenario> SUMMARY = new SuiteSummary<>("fencing",
            "Summary of the fencing suite (violations must be 0 except in negative controls):", "fencing-summary.md",
            Comparator.comparing(Scenario::negativeControl).thenComparing(Scenario::name), FencingSummary::table);

    @Override
    public void beforeAll(ExtensionContext context) {
        SUMMARY.printWhenThePlanEnds(context);
    }

    static Run start(String name, int nodes) {
        return new Run(name, nodes, System.nanoTime());
    }

    /** A stopwatch for one scenario. */
    record Run(String name, int nodes, long startNanos) {

        /** Judges the history with every rule, records the figures, and returns the checker's findings. */
        Findings done(FencingChecker checker, Function<String, @Nullable Long> finalValue, boolean negativeControl,
                String notes) {
            Findings findings = new Findings(checker.contractViolations(), checker.leasePassedOnViolations(),
                    checker.storeViolations(finalValue), checker.refusedWrites().size());
            Scenario scenario = new Scenario(name, nodes, checker.grants().size(), checker.contractPairs(),
                    findings.refused(), findings.c1().size(), findings.c2().size(), findings.store().size(),
                    negativeControl, Duration.ofNanos(System.nanoTime() - startNanos), notes);
            SUMMARY.add(scenario, line(scenario));
            findings.all().forEach(violation -> System.out.println("[fencing]   " + violation));
            return findings;
        }
    }

    /** What the checker found. */
    record Findings(List<FencingChecker.Violation> c1, List<FencingChecker.Violation> c2,
            List<FencingChecker.Violation> store, int refused) {
        List<FencingChecker.Violation> all() {
            List<FencingChecker.Violation> all = new ArrayList<>(c1);
            all.addAll(c2);
            all.addAll(store);
            return all;
        }
    }

    private static String line(Scenario s) {
        return String.format(Locale.ROOT, "%s (%d nodes): %d grants, %d ordered pairs checked, %d stale writes refused,"
                + " violations C1 %d, C2 %d, store %d%s, %.1f s%s", s.name(), s.nodes(), s.grants(), s.pairsChecked(),
                s.refusedWrites(), s.c1(), s.c2(), s.store(), s.negativeControl() ? " (negative control: must be red)" : "",
                s.took().toMillis() / 1000.0, s.notes().isEmpty() ? "" : " (" + s.notes() + ")");
    }

    static String table(List<Scenario> scenarios) {
        StringBuilder text = new StringBuilder();
        text.append("| scenario | nodes | grants | pairs checked (C1) | stale writes refused | violations C1 / C2 / store | time | notes |\n");
        text.append("|---|---:|---:|---:|---:|---|---:|---|\n");
        for (Scenario s : scenarios) {
            text.append(String.format(Locale.ROOT, "| %s%s | %d | %d | %d | %d | %d / %d / %d | %.1f s | %s |%n",
                    s.negativeControl() ? "negative control: " : "", s.name(), s.nodes(), s.grants(), s.pairsChecked(),
                    s.refusedWrites(), s.c1(), s.c2(), s.store(), s.took().toMillis() / 1000.0, s.notes()));
        }
        return text.toString();
    }
}
