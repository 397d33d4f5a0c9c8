package io.github.redlock.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redlock.Redlock;
import io.github.redlock.RedlockListener;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;
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
            redlock.release(lease); // a lease ends once: nothing sent, nothing counted
            redlock.release("order:42", lease.value()); // sent to the nodes: no longer held
            redlock.release(redlock.tryLock("order:43", TTL).leaseOrThrow());

            assertThat(meters.get("redlock.acquisitions").tag("resource", "order").counter().count()).isEqualTo(1);
            assertThat(meters.get("redlock.acquisitions").tag("resource", "unnamed").counter().count()).isEqualTo(1);
            assertThat(meters.get("redlock.failures").tag("resource", "order").tag("reason", "contended").counter()
                    .count()).isEqualTo(1);
            assertThat(meters.get("redlock.lock.acquire").tag("redlock.resource", "order")
                    .tag("redlock.outcome", "contended").timer().count()).isEqualTo(1);
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
            assertThat(meters.get("redlock.lock.acquire").tag("redlock.resource", "invoice:#{#id}")
                    .tag("redlock.outcome", "acquired").tag("redlock.policy", "skip").timer().count()).isEqualTo(2);
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
    void aLockedCallIsObservedOnce() {
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
    void theObservationsTimersAreTheOnlyLockTimers() {
        runner().run(context -> {
            SimpleMeterRegistry meters = context.getBean(SimpleMeterRegistry.class);

            context.getBean(Invoices.class).send(11);

            // Boot's meter observation handler turns each observation into a timer of its own name.
            assertThat(meters.get("redlock.lock.acquire").tag("redlock.outcome", "acquired").timer().count()).isEqualTo(1);
            assertThat(meters.get("redlock.lock.hold").tag("redlock.outcome", "released").timer().count()).isEqualTo(1);
            assertThat(meters.get("redlock.lock.acquire").timer().getId().getTags()).extracting(Tag::getKey)
                    .containsExactlyInAnyOrder("redlock.resource", "redlock.outcome", "redlock.policy", "error");
            assertThat(meters.find("redlock.acquire").meters()).as("hand-written acquire timer").isEmpty();
            assertThat(meters.find("redlock.held").meters()).as("hand-written held timer").isEmpty();
        });
    }

    @Test
    void aCompletionStageMethodIsHeldUntilItsStageCompletesAndItsErrorIsRecorded() {
        runner().run(context -> {
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
            Invoices invoices = context.getBean(Invoices.class);
            Observation parent = Observation.createNotStarted("request", registry);

            assertThat(parent.observe(() -> invoices.sendLater(21)).join()).isEqualTo("sent 21");
            CompletableFuture<String> failing = invoices.failLater(22);
            assertThatThrownBy(failing::join).hasRootCauseMessage("printer on fire");

            TestObservationRegistryAssert.assertThat(registry).hasNumberOfObservationsWithNameEqualTo("redlock.lock.hold", 2)
                    // The outcome is set when the hold ends.
                    .hasAnObservation(hold -> hold.hasNameEqualTo("redlock.lock.hold")
                            .hasParentObservationEqualTo(parent).hasLowCardinalityKeyValue("redlock.outcome", "released"))
                    .hasAnObservation(hold -> hold.hasNameEqualTo("redlock.lock.hold")
                            .hasLowCardinalityKeyValue("redlock.outcome", "released")
                            .assertThatError().hasMessage("printer on fire"));
        });
    }

    @Test
    void aSyncMethodsErrorIsRecordedOnTheHold() {
        runner().run(context -> {
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);

            assertThatThrownBy(() -> context.getBean(Invoices.class).failNow(23)).hasMessage("printer on fire");

            TestObservationRegistryAssert.assertThat(registry).hasObservationWithNameEqualTo("redlock.lock.hold").that()
                    .hasBeenStopped().hasLowCardinalityKeyValue("redlock.outcome", "released")
                    .assertThatError().hasMessage("printer on fire");
        });
    }

    @Test
    void aReactiveCallIsAChildOfTheObservationInTheSubscribersContext() {
        runner().run(context -> {
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
            Observation parent = Observation.start("webflux-request", registry);

            String sent = context.getBean(Invoices.class).sendReactive(31)
                    .contextWrite(Context.of("micrometer.observation", parent)).block(Duration.ofSeconds(10));
            parent.stop();

            assertThat(sent).isEqualTo("sent 31");
            TestObservationRegistryAssert.assertThat(registry)
                    .hasAnObservation(acquire -> acquire.hasNameEqualTo("redlock.lock.acquire")
                            .hasParentObservationEqualTo(parent).hasLowCardinalityKeyValue("redlock.outcome", "acquired"))
                    .hasAnObservation(hold -> hold.hasNameEqualTo("redlock.lock.hold")
                            .hasParentObservationEqualTo(parent).hasLowCardinalityKeyValue("redlock.outcome", "released"));
        });
    }

    @Test
    void aSubscriberThatGoesAwayWhileWaitingEndsTheAcquisitionAsInterrupted() {
        runner().run(context -> {
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
            Redlock redlock = context.getBean(Redlock.class);
            Lease elsewhere = redlock.tryLock("invoice:32", TTL).leaseOrThrow();
            registry.clear();
            CountDownLatch subscribed = new CountDownLatch(1);

            Disposable subscription = context.getBean(Invoices.class).sendWaiting(32)
                    .doOnSubscribe(s -> subscribed.countDown()).subscribe();
            assertThat(subscribed.await(10, TimeUnit.SECONDS)).isTrue();
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> TestObservationRegistryAssert
                    .assertThat(registry).hasObservationWithNameEqualTo("redlock.lock.acquire").that().hasBeenStarted());
            subscription.dispose();

            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> TestObservationRegistryAssert
                    .assertThat(registry).hasObservationWithNameEqualTo("redlock.lock.acquire").that()
                    .hasBeenStopped().hasLowCardinalityKeyValue("redlock.outcome", "interrupted"));
            TestObservationRegistryAssert.assertThat(registry).hasNumberOfObservationsWithNameEqualTo("redlock.lock.hold", 0);
            redlock.release(elsewhere);
        });
    }

    @Test
    void withoutARedlockAThrowingCallIsOneUnavailableFailureAndOneObservation() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, ObservationAutoConfiguration.class,
                        RedlockAutoConfiguration.class, DistributedLockAutoConfiguration.class,
                        RedlockMetricsAutoConfiguration.class, RedlockObservationAutoConfiguration.class))
                .withUserConfiguration(App.class)
                .run(context -> {
                    assertThat(context).doesNotHaveBean(Redlock.class);
                    TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
                    SimpleMeterRegistry meters = context.getBean(SimpleMeterRegistry.class);

                    assertThatThrownBy(() -> context.getBean(Invoices.class).sendOrFail(61))
                            .isInstanceOf(LockNotAcquiredException.class);

                    assertThat(meters.get("redlock.failures").tag("reason", "unavailable").counter().count()).isEqualTo(1);
                    assertThat(meters.get("redlock.failures").tag("reason", "error").counter().count()).isZero();
                    TestObservationRegistryAssert.assertThat(registry)
                            .hasNumberOfObservationsWithNameEqualTo("redlock.lock.acquire", 1)
                            .hasObservationWithNameEqualTo("redlock.lock.acquire").that()
                            .hasLowCardinalityKeyValue("redlock.outcome", "unavailable");
                });
    }

    @Test
    void bootsObservationsEnablePropertyTurnsTheLockObservationsOff() {
        runner().withPropertyValues("management.observations.enable.redlock=false").run(context -> {
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
            Redlock redlock = context.getBean(Redlock.class);

            context.getBean(Invoices.class).send(42);
            redlock.release(redlock.tryLock("order:42", TTL).leaseOrThrow());

            TestObservationRegistryAssert.assertThat(registry).doesNotHaveAnyObservation();
            assertThat(context.getBean(SimpleMeterRegistry.class).get("redlock.acquisitions").tag("resource", "invoice:#{#id}")
                    .counter().count()).as("the meters stay").isEqualTo(1);
        });
    }

    @Test
    void aPredicateOnThePolicyTagLeavesOutTheAdvisedCallsAcquisition() {
        runner().run(context -> {
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
            registry.observationConfig().observationPredicate((name, observed) ->
                    !(observed instanceof LockObservationContext lock && lock.getPolicy().equals("skip")));

            context.getBean(Invoices.class).send(41);

            TestObservationRegistryAssert.assertThat(registry).hasNumberOfObservationsWithNameEqualTo("redlock.lock.acquire", 0);
        });
    }

    @Test
    void aFailingObservationHandlerNeitherFailsTheCallNorKeepsTheLock() {
        runner().run(context -> {
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
            registry.observationConfig().observationHandler(new ObservationHandler<>() {
                @Override
                public boolean supportsContext(Observation.Context observed) {
                    return observed instanceof LockObservationContext;
                }

                @Override
                public void onStart(Observation.Context observed) {
                    throw new IllegalStateException("handler bug");
                }

                @Override
                public void onStop(Observation.Context observed) {
                    throw new IllegalStateException("handler bug");
                }
            });
            Invoices invoices = context.getBean(Invoices.class);

            assertThat(invoices.send(51)).isEqualTo("sent 51");
            assertThat(invoices.send(51)).as("released, so it can be taken again").isEqualTo("sent 51");
        });
    }

    @Test
    void aFailingPredicateOrSupportsContextNeitherFailsTheCallNorKeepsTheLock() {
        runner().run(context -> {
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
            AtomicInteger predicateCalls = new AtomicInteger();
            registry.observationConfig().observationPredicate((name, observed) -> {
                if (observed instanceof LockObservationContext && predicateCalls.incrementAndGet() % 2 == 0) {
                    throw new IllegalStateException("predicate bug"); // the hold, after the grant
                }
                return true;
            });
            registry.observationConfig().observationHandler(new ObservationHandler<>() {
                @Override
                public boolean supportsContext(Observation.Context observed) {
                    if (observed instanceof LockObservationContext && predicateCalls.get() > 2) {
                        throw new IllegalStateException("supportsContext bug");
                    }
                    return false;
                }
            });
            Invoices invoices = context.getBean(Invoices.class);

            for (int i = 0; i < 3; i++) {
                assertThat(invoices.send(52)).isEqualTo("sent 52");
            }
            assertThat(context.getBean(Redlock.class).tryLock("invoice:52", TTL).isAcquired())
                    .as("released, so it can be taken again").isTrue();
        });
    }

    @Test
    void aFailingScopeHandlerLeavesNoLockObservationCurrentOnTheThread() {
        runner().run(context -> {
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
            registry.observationConfig().observationHandler(new ObservationHandler<>() {
                @Override
                public boolean supportsContext(Observation.Context observed) {
                    return observed instanceof LockObservationContext;
                }

                @Override
                public void onScopeOpened(Observation.Context observed) {
                    throw new IllegalStateException("handler bug");
                }
            });

            assertThat(context.getBean(Invoices.class).send(53)).isEqualTo("sent 53");

            assertThat(registry.getCurrentObservation()).as("observation current after the call").isNull();
        });
    }

    @Test
    void subscriptionsCancelledAtOnceLeaveNoLockHeld() {
        runner().run(context -> {
            Invoices invoices = context.getBean(Invoices.class);
            Redlock redlock = context.getBean(Redlock.class);

            for (int i = 0; i < 1_000; i++) {
                invoices.sendReactive(90_000 + i).subscribe().dispose();
            }

            // Every lock ends: released when its method never ran, left to expire (no renewal) when it
            // ran, since its work may go on. A lock that nobody ends stays held, as one grant crossing a
            // cancel used to.
            Awaitility.await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(redlock.heldLeases()).as("leases still held").isEmpty());
            int ran = Invoices.REACTIVE_CALLS.get();
            for (int node = 0; node < 3; node++) {
                assertThat((List<?>) redis.node(node).command("KEYS", "invoice:9????")).as("keys on node %d", node)
                        .hasSizeLessThanOrEqualTo(ran);
            }
        });
    }

    @Test
    void anApplicationsOwnRedlockBeanIsCountedAndListenersMayDependOnIt() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, RedlockAutoConfiguration.class,
                        DistributedLockAutoConfiguration.class, RedlockMetricsAutoConfiguration.class))
                .withUserConfiguration(OwnRedlock.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Redlock redlock = context.getBean(Redlock.class);

                    redlock.release(redlock.tryLock(LockRequest.of("own:1", TTL).withName("own")).leaseOrThrow());

                    assertThat(context.getBean(SimpleMeterRegistry.class).get("redlock.acquisitions").tag("resource", "own")
                            .counter().count()).isEqualTo(1);
                    assertThat(context.getBean(Audit.class).released).hasValue(1);
                });
    }

    /** A listener that depends on the Redlock it listens to. */
    static class Audit implements RedlockListener {

        final AtomicInteger released = new AtomicInteger();

        Audit(Redlock redlock) {
            assertThat(redlock.quorum()).isEqualTo(2);
        }

        @Override
        public void released(Release release) {
            released.incrementAndGet();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnRedlock {

        @Bean(destroyMethod = "close")
        Redlock redlock() {
            return Redlock.builder().servers(redis.uris()).build();
        }

        @Bean
        Audit audit(Redlock redlock) {
            return new Audit(redlock);
        }

        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
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

        @DistributedLock(resource = "invoice:#{#id}", ttl = 10)
        public String failNow(int id) {
            throw new IllegalStateException("printer on fire");
        }

        @DistributedLock(resource = "invoice:#{#id}", ttl = 10)
        public CompletableFuture<String> sendLater(int id) {
            return CompletableFuture.supplyAsync(() -> "sent " + id);
        }

        @DistributedLock(resource = "invoice:#{#id}", ttl = 10)
        public CompletableFuture<String> failLater(int id) {
            return CompletableFuture.supplyAsync(() -> {
                throw new IllegalStateException("printer on fire");
            });
        }

        static final AtomicInteger REACTIVE_CALLS = new AtomicInteger();

        @DistributedLock(resource = "invoice:#{#id}", ttl = 10)
        public Mono<String> sendReactive(int id) {
            REACTIVE_CALLS.incrementAndGet();
            return Mono.fromSupplier(() -> "sent " + id);
        }

        @DistributedLock(resource = "invoice:#{#id}", ttl = 10, waitTime = 30)
        public Mono<String> sendWaiting(int id) {
            return Mono.fromSupplier(() -> "sent " + id);
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
