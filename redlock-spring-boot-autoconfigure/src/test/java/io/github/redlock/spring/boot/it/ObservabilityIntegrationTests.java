package io.github.redlock.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.Lease;
import io.github.redlock.Redlock;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.boot.actuate.RedlockEndpoint;
import io.github.redlock.spring.boot.actuate.RedlockHealthIndicator;
import io.github.redlock.spring.boot.autoconfigure.DistributedLockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockEndpointAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockHealthAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockMetricsAutoConfiguration;
import io.github.redlock.test.RedisNodesExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The health indicator, endpoint and failure metrics against real nodes, including a majority going down. */
class ObservabilityIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, RedlockAutoConfiguration.class,
                        DistributedLockAutoConfiguration.class, RedlockMetricsAutoConfiguration.class,
                        RedlockHealthAutoConfiguration.class, RedlockEndpointAutoConfiguration.class))
                .withUserConfiguration(App.class)
                .withPropertyValues("redlock.servers=" + String.join(",", redis.uris()), "redlock.timeout=300ms",
                        "redlock.retry-count=0", "management.endpoints.web.exposure.include=redlock");
    }

    @Test
    void healthIsUpWithEveryNodeAndItsLatency() {
        runner().run(context -> {
            Health health = context.getBean(RedlockHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("quorum", 2).containsEntry("up", 3L);
            assertThat(nodes(health)).extracting(node -> node.get("node")).containsExactlyElementsOf(redis.uris());
            assertThat(nodes(health)).allSatisfy(node -> assertThat(node).containsEntry("status", "UP")
                    .containsKey("latencyMillis").doesNotContainKey("error"));
        });
    }

    @Test
    void nodeGaugesFollowTheNodes() {
        runner().run(context -> {
            SimpleMeterRegistry meters = context.getBean(SimpleMeterRegistry.class);
            assertThat(meters.get("redlock.nodes.quorum").gauge().value()).isEqualTo(2);
            assertThat(meters.get("redlock.nodes.up").gauge().value()).isEqualTo(3);
            assertThat(meters.get("redlock.node.up").tag("node", redis.uris().get(2)).gauge().value()).isEqualTo(1);

            redis.node(2).kill();

            // The nodes are pinged at most every 5 s when a gauge is read.
            await().atMost(Duration.ofSeconds(20)).until(() -> meters.get("redlock.nodes.up").gauge().value() == 2);
            assertThat(meters.get("redlock.node.up").tag("node", redis.uris().get(2)).gauge().value()).isZero();
            assertThat(meters.get("redlock.node.up").tag("node", redis.uris().get(0)).gauge().value()).isEqualTo(1);
        });
    }

    @Test
    void healthGoesDownWhenAMajorityIsKilledAndUpWhenItRestarts() {
        runner().run(context -> {
            RedlockHealthIndicator indicator = context.getBean(RedlockHealthIndicator.class);
            Job job = context.getBean(Job.class);
            SimpleMeterRegistry meters = context.getBean(SimpleMeterRegistry.class);
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

            redis.node(0).kill();
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
            redis.node(1).kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> indicator.health().getStatus().equals(Status.DOWN));
            Health down = indicator.health();
            assertThat(down.getDetails()).containsEntry("up", 1L);
            assertThat(nodes(down).get(0)).containsEntry("status", "DOWN").containsKey("error");

            assertThat(job.run()).isNull();
            assertThat(meters.get("redlock.failures").tag("resource", "job").tag("reason", "unavailable").counter()
                    .count()).isEqualTo(1);

            redis.node(0).start();
            redis.node(1).start();
            await().atMost(Duration.ofSeconds(20)).until(() -> indicator.health().getStatus().equals(Status.UP));
            await().atMost(Duration.ofSeconds(10)).until(() -> "ran".equals(job.run()));
        });
    }

    @Test
    void endpointShowsNodesQuorumAndTheLeasesHeldNow() {
        runner().run(context -> {
            Redlock redlock = context.getBean(Redlock.class);
            RedlockEndpoint endpoint = context.getBean(RedlockEndpoint.class);
            assertThat(endpoint.redlock().nodes()).containsExactlyElementsOf(redis.uris());
            assertThat(endpoint.redlock().quorum()).isEqualTo(2);
            assertThat(endpoint.redlock().leases()).isEmpty();
            Lease lease = redlock.tryLock("endpoint-demo", Duration.ofSeconds(30)).leaseOrThrow();
            RedlockEndpoint.LeaseDescriptor shown = endpoint.redlock().leases().get(0);
            assertThat(shown.resource()).isEqualTo("endpoint-demo");
            assertThat(shown.since()).isEqualTo(lease.acquiredAt());
            assertThat(shown.validityLeftMillis()).isBetween(1L, 30_000L);
            redlock.release(lease);
            assertThat(endpoint.redlock().leases()).isEmpty();
        });
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> nodes(Health health) {
        return (List<Map<String, Object>>) health.getDetails().get("nodes");
    }

    public static class Job {

        @DistributedLock(resource = "job", ttl = 5)
        public String run() {
            return "ran";
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class App {

        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        Job job() {
            return new Job();
        }
    }
}
