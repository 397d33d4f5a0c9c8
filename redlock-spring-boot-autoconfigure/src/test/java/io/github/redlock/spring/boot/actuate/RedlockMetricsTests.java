package io.github.redlock.spring.boot.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.LockFailure;
import io.github.redlock.RedlockListener;
import io.github.redlock.spring.support.DistributedLockListener.FailureReason;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedlockMetricsTests {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RedlockMetrics metrics = new RedlockMetrics(registry);

    @Test
    void theAdvicesReportsOfEngineResultsAreNotCountedTwice() {
        // The engine reports every result it produced (RedlockListener.acquiring), the advice's included.
        metrics.acquired("invoice:#{#invoice.id}", Duration.ofMillis(3));
        metrics.notAcquired("invoice:#{#invoice.id}", FailureReason.CONTENDED, Duration.ofMillis(3));
        assertThat(registry.find("redlock.acquisitions").counters()).allMatch(counter -> counter.count() == 0);
        assertThat(registry.find("redlock.failures").counters()).allMatch(counter -> counter.count() == 0);
    }

    @Test
    void callsThatNeverReachedTheEngineAreCountedByReason() {
        metrics.notAttempted("report", FailureReason.ERROR, Duration.ofMillis(1));
        metrics.notAttempted("report", FailureReason.ERROR, Duration.ofMillis(1));
        metrics.notAttempted("report", FailureReason.UNAVAILABLE, Duration.ofMillis(1));
        assertThat(registry.get("redlock.failures").tag("resource", "report").tag("reason", "error").counter().count())
                .isEqualTo(2);
        assertThat(registry.get("redlock.failures").tag("reason", "unavailable").counter().count()).isEqualTo(1);
        assertThat(registry.get("redlock.acquire").tag("outcome", "error").timer().count()).isEqualTo(2);
    }

    @Test
    void releasesAndRenewalsAreCountedByOutcome() {
        metrics.released(new RedlockListener.Release("a", true, List.of()));
        metrics.released(new RedlockListener.Release("a", false, List.of()));
        metrics.released(new RedlockListener.Release("b", true, List.of()));
        metrics.renewed(new RedlockListener.Renewal("a", true, List.of()));
        metrics.renewed(new RedlockListener.Renewal("a", false, List.of()));
        assertThat(registry.get("redlock.releases").tag("outcome", "released").counter().count()).isEqualTo(2);
        assertThat(registry.get("redlock.releases").tag("outcome", "not_held").counter().count()).isEqualTo(1);
        assertThat(registry.get("redlock.renewals").tag("outcome", "renewed").counter().count()).isEqualTo(1);
        assertThat(registry.get("redlock.renewals").tag("outcome", "failed").counter().count()).isEqualTo(1);
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
        metrics.notAttempted("a", FailureReason.ERROR, Duration.ZERO);
        int meters = registry.getMeters().size();
        metrics.notAttempted("a", FailureReason.UNAVAILABLE, Duration.ZERO);
        metrics.expired("a");
        assertThat(registry.getMeters()).hasSize(meters);
    }
}
