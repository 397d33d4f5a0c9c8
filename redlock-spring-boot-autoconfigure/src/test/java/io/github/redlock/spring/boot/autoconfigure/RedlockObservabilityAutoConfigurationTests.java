package io.github.redlock.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Redlock;
import io.github.redlock.spring.boot.actuate.RedlockEndpoint;
import io.github.redlock.spring.boot.actuate.RedlockHealthIndicator;
import io.github.redlock.spring.boot.actuate.RedlockMetrics;
import io.github.redlock.spring.observation.LockMeterObservationHandler;
import io.github.redlock.spring.observation.LockObservationContext;
import io.github.redlock.spring.observation.LockObservations;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.MeterObservationHandler;
import io.micrometer.observation.Observation;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.ResolvableType;

/** Conditions of the metrics, health and endpoint auto-configurations, including missing optional classes. */
class RedlockObservabilityAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RedlockAutoConfiguration.class, RedlockMetricsAutoConfiguration.class,
                    RedlockHealthAutoConfiguration.class, RedlockEndpointAutoConfiguration.class))
            .withPropertyValues(RedlockAutoConfigurationTests.UNREACHABLE, RedlockAutoConfigurationTests.NO_QUORUM_NEEDED);

    @Test
    void metricsAreRegisteredWhenThereIsAMeterRegistry() {
        runner.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                SimpleMetricsExportAutoConfiguration.class)).run(context -> assertThat(context).hasSingleBean(RedlockMetrics.class));
    }

    @Test
    void withBootsMeterObservationHandlerTheLockObservationsMetersComeFromTheLockHandlerAheadOfIt() {
        observed().run(context -> {
            assertThat(context).hasSingleBean(LockMeterObservationHandler.class);
            List<Object> handlers = context.getBeanProvider(ResolvableType.forClass(MeterObservationHandler.class))
                    .orderedStream().toList();
            assertThat(handlers).as("meter handlers in Boot's order").hasSize(2).first()
                    .isInstanceOf(LockMeterObservationHandler.class);
            MeterRegistry meters = context.getBean(MeterRegistry.class);

            hold(context.getBean(LockObservations.class));
            assertThat(meters.getMeters()).extracting(meter -> meter.getId().getName())
                    .contains("redlock.lock.hold", "redlock.lock.hold.active");
            meters.remove(meters.get("redlock.lock.hold").timer());
            hold(context.getBean(LockObservations.class));

            assertThat(meters.find("redlock.lock.hold").timers()).as("found by the lock handler, not registered again as "
                    + "Boot's handler would").isEmpty();
        });
    }

    @Test
    void bootsIgnoredLongTaskTimersAreLeftOutOfTheLockMetersToo() {
        observed().withPropertyValues("management.metrics.observations.ignored-meters=long-task-timer").run(context -> {
            hold(context.getBean(LockObservations.class));

            assertThat(context.getBean(MeterRegistry.class).getMeters()).extracting(meter -> meter.getId().getName())
                    .contains("redlock.lock.hold").doesNotContain("redlock.lock.hold.active");
        });
    }

    @Test
    void noLockMeterHandlerWhereObservationsAreNotMadeMeters() {
        runner.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class,
                RedlockObservationAutoConfiguration.class)).withUserConfiguration(Registry.class)
                .run(context -> assertThat(context).hasSingleBean(LockObservations.class)
                        .doesNotHaveBean(LockMeterObservationHandler.class));
    }

    private ApplicationContextRunner observed() {
        return runner.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                SimpleMetricsExportAutoConfiguration.class, ObservationAutoConfiguration.class,
                RedlockObservationAutoConfiguration.class));
    }

    private static void hold(LockObservations observations) {
        Observation hold = observations.hold(new LockObservationContext("report", null)).start();
        ((LockObservationContext) hold.getContext()).setOutcome("released");
        hold.stop();
    }

    @Test
    void noMetricsWithoutAMeterRegistry() {
        runner.run(context -> assertThat(context).doesNotHaveBean(RedlockMetrics.class));
    }

    @Test
    void noMetricsWithoutMicrometer() {
        runner.withUserConfiguration(Registry.class).withClassLoader(new FilteredClassLoader(MeterRegistry.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(RedlockMetrics.class));
    }

    @Test
    void metricsDoNotNeedARedlock() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(RedlockMetricsAutoConfiguration.class))
                .withUserConfiguration(Registry.class)
                .run(context -> assertThat(context).hasSingleBean(RedlockMetrics.class));
    }

    @Test
    void healthIndicatorReportsDownWhenNoNodeAnswers() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(RedlockHealthIndicator.class);
            assertThat(context).hasBean("redlockHealthIndicator");
            Health health = context.getBean(RedlockHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("quorum", 2).containsEntry("up", 0L);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> nodes = (List<Map<String, Object>>) health.getDetails().get("nodes");
            assertThat(nodes).hasSize(3).allSatisfy(node -> assertThat(node).containsEntry("status", "DOWN")
                    .containsKey("error").doesNotContainKey("latencyMillis"));
            assertThat(nodes.get(0)).containsEntry("node", "redis://127.0.0.1:1");
        });
    }

    @Test
    void aQuorumLostStatusOfUpIsRefusedAtStartupForItWouldHideTheOutage() {
        runner.withPropertyValues("redlock.health.quorum-lost-status=up").run(context -> assertThat(context)
                .getFailure().rootCause().hasMessageContaining("redlock.health.quorum-lost-status")
                .hasMessageContaining("would hide a lost quorum"));
    }

    @Test
    void healthIndicatorCanBeDisabled() {
        runner.withPropertyValues("management.health.redlock.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(RedlockHealthIndicator.class));
    }

    @Test
    void noHealthIndicatorWithoutBootHealth() {
        runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(RedlockHealthIndicator.class));
    }

    @Test
    void noHealthIndicatorOrEndpointWithoutRedlock() {
        runner.withPropertyValues("redlock.enabled=false", "management.endpoints.web.exposure.include=*").run(context -> {
            assertThat(context).doesNotHaveBean(RedlockHealthIndicator.class);
            assertThat(context).doesNotHaveBean(RedlockEndpoint.class);
        });
    }

    @Test
    void endpointIsCreatedWhenExposed() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=redlock").run(context -> {
            assertThat(context).hasSingleBean(RedlockEndpoint.class);
            RedlockEndpoint.RedlockDescriptor descriptor = context.getBean(RedlockEndpoint.class).redlock();
            assertThat(descriptor.nodes()).containsExactly("redis://127.0.0.1:1", "redis://127.0.0.1:2", "redis://127.0.0.1:3");
            assertThat(descriptor.quorum()).isEqualTo(2);
            assertThat(descriptor.leases()).isEmpty();
        });
    }

    @Test
    void noEndpointUnlessExposed() {
        runner.run(context -> assertThat(context).doesNotHaveBean(RedlockEndpoint.class));
    }

    @Test
    void noEndpointWithoutActuator() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=redlock")
                .withClassLoader(new FilteredClassLoader(Endpoint.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(RedlockEndpoint.class));
    }

    @Test
    void withOnlyTheStartersOwnDependenciesEverythingElseBacksOff() {
        runner.withConfiguration(AutoConfigurations.of(DistributedLockAutoConfiguration.class,
                org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader(MeterRegistry.class, HealthIndicator.class, Endpoint.class,
                        org.springframework.data.redis.core.RedisOperations.class,
                        org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails.class))
                .withPropertyValues("management.endpoints.web.exposure.include=*").run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(Redlock.class)
                            .hasSingleBean(io.github.redlock.spring.support.DistributedLockAdvisor.class);
                    assertThat(context).doesNotHaveBean(RedlockMetrics.class).doesNotHaveBean(RedlockHealthIndicator.class)
                            .doesNotHaveBean(RedlockEndpoint.class);
                });
    }

    @Test
    void userBeansReplaceOurs() {
        runner.withUserConfiguration(Registry.class, UserBeans.class)
                .withPropertyValues("management.endpoints.web.exposure.include=redlock").run(context -> {
                    assertThat(context.getBean(RedlockMetrics.class)).isSameAs(context.getBean("myMetrics"));
                    assertThat(context.getBean(RedlockEndpoint.class)).isSameAs(context.getBean("myEndpoint"));
                    assertThat(context.getBean("redlockHealthIndicator")).isInstanceOf(MyHealth.class);
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class Registry {

        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    static class MyHealth implements HealthIndicator {
        @Override
        public Health health() {
            return Health.up().build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserBeans {

        @Bean
        RedlockMetrics myMetrics(MeterRegistry registry) {
            return new RedlockMetrics(registry);
        }

        @Bean
        RedlockEndpoint myEndpoint(Redlock redlock) {
            return new RedlockEndpoint(redlock);
        }

        @Bean
        MyHealth redlockHealthIndicator() {
            return new MyHealth();
        }
    }
}
