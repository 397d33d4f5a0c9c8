package io.github.redlock.spring.boot.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.Lease;
import io.github.redlock.LockRequest;
import io.github.redlock.Redlock;
import io.github.redlock.test.RedisNodesExtension;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RedlockMetrics} counts what the engine tells of real lock calls on three redis-server
 * processes, with the counters' names and tags unchanged, and no hand-written timers.
 */
class RedlockMetricsIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final Duration TTL = Duration.ofSeconds(10);

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Redlock redlock = Redlock.builder().servers(redis.uris()).retryCount(0)
            .listener(new RedlockMetrics(meters)).build();

    @AfterEach
    void close() {
        redlock.close();
    }

    @Test
    void acquisitionsFailuresAndReleasesAreCountedByNameReasonAndOutcome() {
        LockRequest order = LockRequest.of("order:42", TTL).withName("order").withTag("policy", "skip");

        assertThat(redlock.execute(order, lease -> {
            assertThat(redlock.execute(LockRequest.of("order:42", TTL).withName("order"), other -> "ran").ran()).isFalse();
            return "ran";
        }).ran()).isTrue();
        redlock.execute(LockRequest.of("order:43", TTL), lease -> null);

        assertThat(counter("redlock.acquisitions", "resource", "order")).isEqualTo(1);
        assertThat(counter("redlock.acquisitions", "resource", "unnamed")).isEqualTo(1);
        assertThat(meters.get("redlock.failures").tag("resource", "order").tag("reason", "contended").counter().count())
                .isEqualTo(1);
        assertThat(meters.get("redlock.releases").tag("outcome", "released").counter().count()).isEqualTo(2);
        assertThat(meters.find("redlock.acquisitions").counters()).allSatisfy(counter -> assertThat(counter.getId().getTags())
                .extracting(Tag::getKey).containsExactly("resource"));
    }

    /** A competitor's key on a node is contention (normal); a node that is down is a failure (an alert). */
    @Test
    void fillInsTellContentionFromAFailingNode() {
        new RedlockNodeMetrics(redlock).bindTo(meters);
        redis.node(0).command("SET", "fill:contended", "another-client", "PX", "10000");
        Lease contended = redlock.tryLock("fill:contended", TTL).leaseOrThrow();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> fillIns("contended") >= 1 && redlock.fillInCounts().created() == 0);
        assertThat(fillIns("failed")).as("failed while every node answers").isZero();

        redis.node(2).stop();
        Lease failing = redlock.tryLock("fill:failed", TTL).leaseOrThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> fillIns("failed") >= 1);

        assertThat(fillIns("created")).isZero();
        assertThat(redis.node(0).command("GET", "fill:contended")).isEqualTo("another-client");
        contended.release();
        failing.release();
    }

    private double fillIns(String outcome) {
        return meters.get("redlock.fillins").tag("outcome", outcome).functionCounter().count();
    }

    @Test
    void aReenteredCallIsAReentryNotAnAcquisition() {
        LockRequest request = LockRequest.of("order:44", TTL).withName("order");

        redlock.execute(request, outer -> redlock.execute(request.reentering(outer), inner -> "inner").value());

        assertThat(counter("redlock.acquisitions", "resource", "order")).isEqualTo(1);
        assertThat(counter("redlock.reentries", "resource", "order")).isEqualTo(1);
        assertThat(meters.get("redlock.releases").tag("outcome", "released").counter().count()).isEqualTo(1);
    }

    @Test
    void workThatOutlivesItsLockIsCountedExpired() {
        redlock.execute(LockRequest.of("order:45", Duration.ofMillis(200)).withName("order"), lease -> {
            await().atMost(Duration.ofSeconds(5)).until(() -> !lease.isValid());
            return null;
        });
        redlock.execute(LockRequest.of("order:46", TTL).withName("order"), lease -> null);

        assertThat(counter("redlock.expired", "resource", "order")).isEqualTo(1);
    }

    @Test
    void noHandWrittenTimersBesideTheObservations() {
        Lease lease = redlock.tryLock(LockRequest.of("order:47", TTL).withName("order")).leaseOrThrow();
        redlock.tryLock(LockRequest.of("order:47", TTL).withName("order"));
        redlock.execute(LockRequest.of("order:48", TTL).withName("order"), held -> null);
        lease.release();

        assertThat(meters.getMeters()).extracting(meter -> meter.getId().getName())
                .doesNotContain("redlock.acquire", "redlock.held");
        assertThat(meters.getMeters()).extracting(Meter::getId).allSatisfy(id -> assertThat(id.getType())
                .isEqualTo(Meter.Type.COUNTER));
        assertThat(meters.getMeters()).allSatisfy(meter -> assertThat(meter.getId().getTags())
                .noneMatch(tag -> tag.getValue().contains("order:4")));
    }

    private double counter(String name, String tag, String value) {
        return meters.get(name).tag(tag, value).counter().count();
    }
}
