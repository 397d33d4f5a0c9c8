package io.github.redlock.spring.boot.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.LockFailure;
import io.github.redlock.RedlockListener;
import io.github.redlock.spring.boot.actuate.RedlockMetrics.Reason;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link RedlockMetrics} alone; what real lock calls count is in {@link RedlockMetricsIntegrationTests}. */
class RedlockMetricsTests {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RedlockMetrics metrics = new RedlockMetrics(registry);

    @Test
    void callsThatNeverReachedAnEngineAreFailuresErrorOrUnavailable() {
        metrics.notAttempted("report", Map.of("policy", "skip"), new IllegalStateException("EL1008E"));
        metrics.notAttempted("report", Map.of(), new IllegalStateException("blank key"));
        metrics.notAttempted("report", Map.of("policy", "throw"), null);
        assertThat(registry.get("redlock.failures").tag("resource", "report").tag("reason", "error").counter().count())
                .isEqualTo(2);
        assertThat(registry.get("redlock.failures").tag("reason", "unavailable").counter().count()).isEqualTo(1);
        assertThat(registry.find("redlock.acquire").meters()).isEmpty();
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
    void engineFailuresMapToTheReasonsUsersAlertOn() {
        assertThat(RedlockMetrics.reason(LockFailure.CONTENDED).tagValue()).isEqualTo("contended");
        assertThat(RedlockMetrics.reason(LockFailure.UNAVAILABLE).tagValue()).isEqualTo("unavailable");
        assertThat(RedlockMetrics.reason(LockFailure.VALIDITY_EXPIRED).tagValue()).isEqualTo("unavailable");
        assertThat(RedlockMetrics.reason(LockFailure.INTERRUPTED).tagValue()).isEqualTo("error");
        assertThat(Reason.values()).extracting(Reason::tagValue).containsExactly("contended", "unavailable", "error");
    }

    @Test
    void metersAreCreatedOncePerName() {
        metrics.notAttempted("a", Map.of(), new IllegalStateException());
        int meters = registry.getMeters().size();
        metrics.notAttempted("a", Map.of(), null);
        assertThat(registry.getMeters()).hasSize(meters);
    }
}
