package io.github.redlock.spring.boot.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.LockFailure;
import io.github.redlock.spring.support.DistributedLockListener.FailureReason;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedlockMetricsTests {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RedlockMetrics metrics = new RedlockMetrics(registry);

    @Test
    void acquisitionsAreCountedAndTimedPerResourceAsWritten() {
        metrics.acquired("invoice:#{#invoice.id}", Duration.ofMillis(3));
        metrics.acquired("invoice:#{#invoice.id}", Duration.ofMillis(5));
        assertThat(registry.get("redlock.acquisitions").tag("resource", "invoice:#{#invoice.id}").counter().count())
                .isEqualTo(2);
        assertThat(registry.get("redlock.acquire").tag("resource", "invoice:#{#invoice.id}").tag("outcome", "acquired")
                .timer().count()).isEqualTo(2);
    }

    @Test
    void failuresAreCountedByReason() {
        metrics.notAcquired("report", FailureReason.CONTENDED, Duration.ofMillis(1));
        metrics.notAcquired("report", FailureReason.CONTENDED, Duration.ofMillis(1));
        metrics.notAcquired("report", FailureReason.UNAVAILABLE, Duration.ofMillis(1));
        metrics.notAcquired("report", FailureReason.ERROR, Duration.ofMillis(1));
        assertThat(registry.get("redlock.failures").tag("resource", "report").tag("reason", "contended").counter().count())
                .isEqualTo(2);
        assertThat(registry.get("redlock.failures").tag("reason", "unavailable").counter().count()).isEqualTo(1);
        assertThat(registry.get("redlock.failures").tag("reason", "error").counter().count()).isEqualTo(1);
        assertThat(registry.get("redlock.acquire").tag("outcome", "contended").timer().count()).isEqualTo(2);
    }

    @Test
    void engineFailuresMapToReasons() {
        assertThat(FailureReason.of(LockFailure.CONTENDED)).isEqualTo(FailureReason.CONTENDED);
        assertThat(FailureReason.of(LockFailure.UNAVAILABLE)).isEqualTo(FailureReason.UNAVAILABLE);
        assertThat(FailureReason.of(LockFailure.VALIDITY_EXPIRED)).isEqualTo(FailureReason.UNAVAILABLE);
        assertThat(FailureReason.of(LockFailure.INTERRUPTED)).isEqualTo(FailureReason.ERROR);
    }

    @Test
    void runningMethodsAreActiveInTheLongTaskTimer() {
        Runnable end = metrics.running("report");
        assertThat(registry.get("redlock.held").tag("resource", "report").longTaskTimer().activeTasks()).isEqualTo(1);
        end.run();
        assertThat(registry.get("redlock.held").longTaskTimer().activeTasks()).isZero();
    }

    @Test
    void expiriesAreCounted() {
        metrics.expired("report");
        assertThat(registry.get("redlock.expired").tag("resource", "report").counter().count()).isEqualTo(1);
    }

    @Test
    void metersAreCreatedOncePerResource() {
        metrics.acquired("a", Duration.ZERO);
        int meters = registry.getMeters().size();
        metrics.acquired("a", Duration.ZERO);
        metrics.notAcquired("a", FailureReason.ERROR, Duration.ZERO);
        metrics.expired("a");
        assertThat(registry.getMeters()).hasSize(meters);
    }
}
