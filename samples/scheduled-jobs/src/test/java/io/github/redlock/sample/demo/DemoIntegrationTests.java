package io.github.redlock.sample.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's demo, shortened: three real application processes whose scheduler clocks are up to
 * 400 ms apart, three real Redis nodes, default lock settings.
 */
class DemoIntegrationTests {

    @Test
    @Timeout(300)
    void everyTickRunsExactlyOnceAcrossThreeInstancesWithSkewedClocks() throws Exception {
        DemoReport report = new Demo().run(new DemoOptions(Duration.ofSeconds(12), List.of(), 3, Duration.ofMillis(400)));
        System.out.print(report.render());

        assertThat(report.runs()).as("jobs ran").isGreaterThanOrEqualTo(6);
        assertThat(report.doubleRuns()).isEmpty();
        assertThat(report.overlaps()).isEmpty();
        assertThat(report.counter("acquisitions")).isGreaterThanOrEqualTo(report.runs());
        assertThat(report.counter("contended")).as("the other instance was turned away by the lock").isPositive();
        assertThat(report.passed()).isTrue();
        // One instance's trace of a report tick: the lock's spans inside the scheduled task's.
        TraceSample trace = report.trace().orElseThrow(() -> new AssertionError("no trace of a report tick"));
        TraceSample.Span acquire = trace.span("acquire sample:report").orElseThrow();
        TraceSample.Span hold = trace.span("hold sample:report").orElseThrow();
        assertThat(trace.parentOf(acquire)).as("the tick's span, parent of the acquisition").isPresent()
                .isEqualTo(trace.parentOf(hold));
        assertThat(acquire.attributes()).contains("redlock.outcome=acquired", "redlock.resource=sample:report");
        assertThat(hold.attributes()).contains("redlock.outcome=released");
    }
}
