package io.github.redlock.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redlock.Redlock;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.boot.autoconfigure.DistributedLockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockMetricsAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockObservationAutoConfiguration;
import io.github.redlock.test.RedisNodesExtension;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.github.redlock.Lease;
import io.github.redlock.LockNotAcquiredException;
import io.github.redlock.LockRequest;
import io.github.redlock.spring.LockFailurePolicy;
import io.github.redlock.spring.observation.DefaultLockAcquireObservationConvention;
import io.github.redlock.spring.observation.LockAcquireObservationConvention;
import io.github.redlock.spring.observation.LockObservationContext;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.Tag;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Every lock call is measured and observed: calls on the Redlock bean in the meters, and
 * {@code @DistributedLock} calls as child observations of the caller's, against real nodes.
 */
class LockObservationIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final Duration TTL = Duration.ofSeconds(10);

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, ObservationAutoConfiguration.class,
                        RedlockAutoConfiguration.class, DistributedLockAutoConfiguration.class,
                        RedlockMetricsAutoConfiguration.class, RedlockObservationAutoConfiguration.class))
                .withUserConfiguration(App.class)
                .withPropertyValues("redlock.servers=" + String.join(",", redis.uris()), "redlock.retry-count=0");
    }

    @Test
    void aDirectTryLockOnTheRedlockBeanIsCountedInTheMeters() {
        runner().run(context -> {
            SimpleMeterRegistry meters = context.getBean(SimpleMeterRegistry.class);
            Redlock redlock = context.getBean(Redlock.class);

            redlock.release(redlock.tryLock("order:42", Duration.ofSeconds(10)).leaseOrThrow());

            assertThat(meters.find("redlock.acquisitions").counters()).as("redlock.acquisitions counters")
                    .extracting(Counter::count).containsExactly(1.0);
        });
    }

    @Test
    void aLockedCallInsideAParentObservationMakesAcquireAndHoldChildObservations() {
        runner().run(context -> {
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
            Invoices invoices = context.getBean(Invoices.class);
            Observation parent = Observation.createNotStarted("request", registry);

            assertThat(parent.observe(() -> invoices.send(42))).isEqualTo("sent 42");

            TestObservationRegistryAssert.assertThat(registry)
                    .hasObservationWithNameEqualTo("redlock.lock.acquire").that()
                    .hasBeenStarted().hasBeenStopped()
                    .hasParentObservationEqualTo(parent)
                    .hasLowCardinalityKeyValue("redlock.resource", "invoice:#{#id}")
                    .hasLowCardinalityKeyValue("redlock.outcome", "acquired")
                    .hasLowCardinalityKeyValue("redlock.policy", "skip");
            TestObservationRegistryAssert.assertThat(registry)
                    .hasObservationWithNameEqualTo("redlock.lock.hold").that()
                    .hasBeenStarted().hasBeenStopped()
                    .hasParentObservationEqualTo(parent)
                    .hasLowCardinalityKeyValue("redlock.resource", "invoice:#{#id}")
                    .hasLowCardinalityKeyValue("redlock.outcome", "released");
        });
    }

    @Test
    void directCallsAreCountedByTheirRequestNameAndReleasesByOutcome() {
        runner().run(context -> {
            SimpleMeterRegistry meters = context.getBean(SimpleMeterRegistry.class);
            Redlock redlock = context.getBean(Redlock.class);

            Lease lease = redlock.tryLock(LockRequest.of("order:42", TTL).withName("order")).leaseOrThrow();
            assertThat(redlock.tryLock(LockRequest.of("order:42", TTL).withName("order")).isAcquired()).isFalse();
            redlock.release(lease);
            redlock.release(lease);
            redlock.release(redlock.tryLock("order:43", TTL).leaseOrThrow());

            assertThat(meters.get("redlock.acquisitions").tag("resource", "order").counter().count()).isEqualTo(1);
            assertThat(meters.get("redlock.acquisitions").tag("resource", "unnamed").counter().count()).isEqualTo(1);
            assertThat(meters.get("redlock.failures").tag("resource", "order").tag("reason", "contended").counter()
                    .count()).isEqualTo(1);
            assertThat(meters.get("redlock.acquire").tag("resource", "order").tag("outcome", "contended").timer()
                    .count()).isEqualTo(1);
            assertThat(meters.get("redlock.releases").tag("outcome", "released").counter().count()).isEqualTo(2);
            assertThat(meters.get("redlock.releases").tag("outcome", "not_held").counter().count()).isEqualTo(1);
            assertThat(meters.find("redlock.acquisitions").tagKeys("resource").counters())
                    .noneMatch(counter -> counter.getId().getTag("resource").contains(":"));
        });
    }

    @Test
    void aLockedCallIsCountedOnceThroughTheEngine() {
        runner().run(context -> {
            SimpleMeterRegistry meters = context.getBean(SimpleMeterRegistry.class);
            Invoices invoices = context.getBean(Invoices.class);

            invoices.send(1);
            invoices.send(2);

            assertThat(meters.get("redlock.acquisitions").tag("resource", "invoice:#{#id}").counter().count()).isEqualTo(2);
            assertThat(meters.get("redlock.acquire").tag("resource", "invoice:#{#id}").tag("outcome", "acquired").timer()
                    .count()).isEqualTo(2);
            assertThat(meters.find("redlock.acquisitions").counters()).hasSize(1);
        });
    }

    @Test
    void aDirectCallInsideAnObservationIsItsChildNamedByTheRequest() {
        runner().run(context -> {
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
            Redlock redlock = context.getBean(Redlock.class);
            Observation parent = Observation.createNotStarted("request", registry);

            parent.observe(() -> redlock.release(redlock.tryLock("order:42", TTL).leaseOrThrow()));

            TestObservationRegistryAssert.assertThat(registry).hasNumberOfObservationsWithNameEqualTo("redlock.lock.acquire", 1)
                    .hasObservationWithNameEqualTo("redlock.lock.acquire").that()
                    .hasBeenStopped().hasParentObservationEqualTo(parent).hasContextualNameEqualTo("acquire unnamed")
                    .hasLowCardinalityKeyValue("redlock.resource", "unnamed")
                    .hasLowCardinalityKeyValue("redlock.outcome", "acquired")
                    .hasLowCardinalityKeyValue("redlock.policy", "none")
                    .hasHighCardinalityKeyValue("redlock.attempts", "1")
                    // The grant comes with the first quorum of replies; the last node may answer after it.
                    .satisfies(observed -> assertThat(observed.getHighCardinalityKeyValue("redlock.nodes.granted")
                            .getValue()).isIn("2", "3"));
        });
    }

    @Test
    void aLockedCallIsObservedOnceNotAlsoByTheEngine() {
        runner().run(context -> {
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);

            context.getBean(Invoices.class).send(7);

            TestObservationRegistryAssert.assertThat(registry)
                    .hasNumberOfObservationsWithNameEqualTo("redlock.lock.acquire", 1)
                    .hasNumberOfObservationsWithNameEqualTo("redlock.lock.hold", 1);
        });
    }

    @Test
    void aSkippedCallIsAnAcquisitionWithItsOutcomeAndNoHold() {
        runner().run(context -> {
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
            Redlock redlock = context.getBean(Redlock.class);
            Lease elsewhere = redlock.tryLock("invoice:9", TTL).leaseOrThrow();
            registry.clear();

            assertThat(context.getBean(Invoices.class).send(9)).isNull();
            assertThatThrownBy(() -> context.getBean(Invoices.class).sendOrFail(9))
                    .isInstanceOf(LockNotAcquiredException.class);

            redlock.release(elsewhere);
            TestObservationRegistryAssert.assertThat(registry)
                    .hasNumberOfObservationsWithNameEqualTo("redlock.lock.acquire", 2)
                    .hasNumberOfObservationsWithNameEqualTo("redlock.lock.hold", 0)
                    .hasAnObservation(observation -> observation.hasLowCardinalityKeyValue("redlock.outcome", "contended")
                            .hasLowCardinalityKeyValue("redlock.policy", "skip"))
                    .hasAnObservation(observation -> observation.hasLowCardinalityKeyValue("redlock.outcome", "contended")
                            .hasLowCardinalityKeyValue("redlock.policy", "throw"));
        });
    }

    @Test
    void aResourceThatCannotBeEvaluatedIsAnAcquisitionWithAnError() {
        runner().run(context -> {
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);

            assertThatThrownBy(() -> context.getBean(Invoices.class).sendBroken(3)).isInstanceOf(RuntimeException.class);

            TestObservationRegistryAssert.assertThat(registry).hasObservationWithNameEqualTo("redlock.lock.acquire")
                    .that().hasLowCardinalityKeyValue("redlock.outcome", "error").assertThatError().isNotNull();
        });
    }

    @Test
    void neitherTheResolvedKeyNorTheLockValueAppearsInAnyKeyValue() {
        runner().run(context -> {
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
            List<Observation.Context> stopped = new CopyOnWriteArrayList<>();
            registry.observationConfig().observationHandler(new ObservationHandler<>() {
                @Override
                public boolean supportsContext(Observation.Context observed) {
                    return true;
                }

                @Override
                public void onStop(Observation.Context observed) {
                    stopped.add(observed);
                }
            });
            Redlock redlock = context.getBean(Redlock.class);

            context.getBean(Invoices.class).send(987654);
            Lease known = redlock.lock("report:987654", TTL, "secret-value-123").orElseThrow();
            redlock.release(known);

            assertThat(stopped).hasSize(3);
            List<String> keys = new ArrayList<>();
            for (Observation.Context observed : stopped) {
                for (KeyValue keyValue : observed.getAllKeyValues()) {
                    keys.add(keyValue.getKey());
                    assertThat(keyValue.getValue()).doesNotContain("987654").doesNotContain("secret-value-123");
                }
            }
            assertThat(keys).containsOnly("redlock.resource", "redlock.outcome", "redlock.policy", "redlock.attempts",
                    "redlock.nodes.granted");
        });
    }

    @Test
    void aConventionBeanReplacesTheDefaultNamesAndKeyValues() {
        runner().withBean(LockAcquireObservationConvention.class, () -> new DefaultLockAcquireObservationConvention() {
            @Override
            public String getName() {
                return "billing.lock.wait";
            }

            @Override
            public KeyValues getLowCardinalityKeyValues(LockObservationContext observed) {
                return super.getLowCardinalityKeyValues(observed).and("team", "billing");
            }
        }).run(context -> {
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);

            context.getBean(Invoices.class).send(5);

            TestObservationRegistryAssert.assertThat(registry).hasNumberOfObservationsWithNameEqualTo("redlock.lock.acquire", 0)
                    .hasObservationWithNameEqualTo("billing.lock.wait").that()
                    .hasLowCardinalityKeyValue("team", "billing")
                    .hasLowCardinalityKeyValue("redlock.resource", "invoice:#{#id}");
        });
    }

    @Test
    void theObservationsTimersSitBesideTheMetersTheDashboardUses() {
        runner().run(context -> {
            SimpleMeterRegistry meters = context.getBean(SimpleMeterRegistry.class);

            context.getBean(Invoices.class).send(11);

            // Boot's meter observation handler turns each observation into a timer of its own name.
            assertThat(meters.get("redlock.lock.acquire").tag("redlock.outcome", "acquired").timer().count()).isEqualTo(1);
            assertThat(meters.get("redlock.lock.hold").tag("redlock.outcome", "released").timer().count()).isEqualTo(1);
            assertThat(meters.get("redlock.acquire").timer().getId().getTags()).extracting(Tag::getKey)
                    .containsExactlyInAnyOrder("resource", "outcome");
            assertThat(meters.get("redlock.held").longTaskTimer().getId().getTags()).extracting(Tag::getKey)
                    .containsExactly("resource");
        });
    }

    public static class Invoices {

        @DistributedLock(resource = "invoice:#{#id}", ttl = 10)
        public String send(int id) {
            return "sent " + id;
        }

        @DistributedLock(resource = "invoice:#{#id}", ttl = 10, onFailure = LockFailurePolicy.THROW)
        public String sendOrFail(int id) {
            return "sent " + id;
        }

        @DistributedLock(resource = "invoice:#{#id / 0}", ttl = 10)
        public String sendBroken(int id) {
            return "sent " + id;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class App {

        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        TestObservationRegistry observationRegistry() {
            return TestObservationRegistry.create();
        }

        @Bean
        Invoices invoices() {
            return new Invoices();
        }
    }
}
