package io.github.redlock.sample.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo's verdict must be able to fail: a double run and an overlap are caught. */
class DemoReportTests {

    private static final Instant TICK = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void singleRunsPerTickPass() {
        DemoReport report = new DemoReport(List.of(
                new Run("report", "report", TICK, "A", 0, 10),
                new Run("report", "report", TICK.plusSeconds(2), "B", 2_000, 2_010)), Map.of());

        assertThat(report.passed()).isTrue();
        assertThat(report.render()).contains("VERDICT: PASS");
    }

    @Test
    void aTickRunTwiceFails() {
        DemoReport report = new DemoReport(List.of(
                new Run("report", "report", TICK, "A", 0, 10),
                new Run("report", "report", TICK, "B", 20, 30)), Map.of());

        assertThat(report.doubleRuns()).hasSize(1);
        assertThat(report.overlaps()).isEmpty();
        assertThat(report.passed()).isFalse();
        assertThat(report.render()).contains("DOUBLE RUN", "VERDICT: FAIL");
    }

    @Test
    void overlappingRunsFail() {
        DemoReport report = new DemoReport(List.of(
                new Run("report", "report", TICK, "A", 0, 100),
                new Run("report", "report", TICK.plusSeconds(2), "B", 50, 150)), Map.of());

        assertThat(report.overlaps()).hasSize(1);
        assertThat(report.passed()).isFalse();
    }

    @Test
    void countersAreReadFromPrometheusText() {
        String scrape = """
                # TYPE redlock_acquisitions_total counter
                redlock_acquisitions_total{resource="sample:report"} 4.0
                redlock_acquisitions_total{resource="sample:invoices:#{#region}"} 3.0
                redlock_failures_total{reason="contended",resource="sample:report"} 5.0
                redlock_failures_total{reason="unavailable",resource="sample:report"} 1.0
                """;

        assertThat(Demo.counters(scrape)).containsEntry("acquisitions", 7.0).containsEntry("contended", 5.0)
                .containsEntry("unavailable", 1.0);
    }
}
