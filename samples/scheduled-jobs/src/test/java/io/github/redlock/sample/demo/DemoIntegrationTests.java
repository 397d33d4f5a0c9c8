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
    }
}
