package io.github.redlock.spring.observation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redlock.Lease;
import io.github.redlock.LockRequest;
import io.github.redlock.LockedCall;
import io.github.redlock.Redlock;
import io.github.redlock.test.RedisNodesExtension;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RedlockObservationListener} is the one creator of the lock observations: driven here through
 * real lock calls on three redis-server processes ({@link Redlock#execute}), as every
 * {@code @DistributedLock} call is.
 */
class RedlockObservationListenerIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final Duration TTL = Duration.ofSeconds(10);

    private final TestObservationRegistry registry = TestObservationRegistry.create();
    private final RedlockObservationListener listener =
            new RedlockObservationListener(new LockObservations(registry, null, null));
    private final List<Redlock> opened = new ArrayList<>();
    private final List<Observation.Context> started = new CopyOnWriteArrayList<>();

    RedlockObservationListenerIntegrationTests() {
        registry.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStart(Observation.Context context) {
                started.add(context);
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
    }

    @AfterEach
    void closeAll() {
        opened.forEach(Redlock::close);
    }

    private Redlock redlock(RedlockObservationListener listener) {
        Redlock redlock = Redlock.builder().servers(redis.uris()).retryCount(0).listener(listener).build();
        opened.add(redlock);
        return redlock;
    }

    @Test
    void aLockedCallMakesAcquireAndHoldChildrenOfTheCallersObservationWithTheHoldCurrentDuringTheWork() {
        Redlock redlock = redlock(listener);
        Observation parent = Observation.createNotStarted("request", registry);
        AtomicReference<@Nullable Observation> currentInWork = new AtomicReference<>();

        LockedCall<String> call = parent.observe(() -> redlock.execute(
                LockRequest.of("order:42", TTL).withName("order").withTag("policy", "throw"), lease -> {
                    currentInWork.set(registry.getCurrentObservation());
                    return "done";
                }));

        assertThat(call.value()).contains("done");
        TestObservationRegistryAssert.assertThat(registry)
                .hasNumberOfObservationsWithNameEqualTo("redlock.lock.acquire", 1)
                .hasNumberOfObservationsWithNameEqualTo("redlock.lock.hold", 1)
                .hasObservationWithNameEqualTo("redlock.lock.acquire").that()
                .hasBeenStarted().hasBeenStopped().hasParentObservationEqualTo(parent)
                .hasContextualNameEqualTo("acquire order")
                .hasLowCardinalityKeyValue("redlock.resource", "order")
                .hasLowCardinalityKeyValue("redlock.outcome", "acquired")
                .hasLowCardinalityKeyValue("redlock.policy", "throw");
        TestObservationRegistryAssert.assertThat(registry)
                .hasObservationWithNameEqualTo("redlock.lock.hold").that()
                .hasBeenStarted().hasBeenStopped().hasParentObservationEqualTo(parent)
                .hasContextualNameEqualTo("hold order")
                .hasLowCardinalityKeyValue("redlock.outcome", "released")
                .hasLowCardinalityKeyValue("redlock.policy", "throw");
        assertThat(currentInWork.get()).as("the observation current while the work runs").isNotNull()
                .extracting(observation -> observation.getContext().getName()).isEqualTo("redlock.lock.hold");
        assertThat(registry.getCurrentObservation()).as("current after the call").isNull();
    }

    @Test
    void aDirectCallWithoutNameOrPolicyIsUnnamedWithPolicyNone() {
        Redlock redlock = redlock(listener);

        redlock.execute(LockRequest.of("order:42", TTL), lease -> "done");

        TestObservationRegistryAssert.assertThat(registry)
                .hasObservationWithNameEqualTo("redlock.lock.acquire").that()
                .hasLowCardinalityKeyValue("redlock.resource", "unnamed")
                .hasLowCardinalityKeyValue("redlock.policy", "none");
    }

    @Test
    void aContendedCallIsAnAcquisitionWithItsOutcomeAndNoHold() {
        Redlock redlock = redlock(listener);
        Lease elsewhere = redlock.tryLock("order:43", TTL).leaseOrThrow();
        registry.clear();

        LockedCall<String> call = redlock.execute(LockRequest.of("order:43", TTL).withName("order"), lease -> "ran");

        elsewhere.release();
        assertThat(call.ran()).isFalse();
        TestObservationRegistryAssert.assertThat(registry)
                .hasNumberOfObservationsWithNameEqualTo("redlock.lock.hold", 0)
                .hasObservationWithNameEqualTo("redlock.lock.acquire").that()
                .hasBeenStopped().hasLowCardinalityKeyValue("redlock.outcome", "contended");
    }

    @Test
    void aNestedCallThatReentersItsLockIsAnAcquisitionOutcomeReenteredUnderTheOuterHold() {
        Redlock redlock = redlock(listener);
        LockRequest request = LockRequest.of("order:44", TTL).withName("order");

        redlock.execute(request, outer -> redlock.execute(request.reentering(outer), inner -> "inner").value());

        TestObservationRegistryAssert.assertThat(registry)
                .hasNumberOfObservationsWithNameEqualTo("redlock.lock.acquire", 2)
                .hasNumberOfObservationsWithNameEqualTo("redlock.lock.hold", 2);
        Observation.Context outerHold = holds().stream()
                .filter(hold -> hold.getParentObservation() == null).findFirst().orElseThrow();
        TestObservationRegistryAssert.assertThat(registry).hasAnObservation(acquire -> acquire
                .hasNameEqualTo("redlock.lock.acquire").hasLowCardinalityKeyValue("redlock.outcome", "reentered")
                .hasHighCardinalityKeyValue("redlock.attempts", "0"));
        Observation.Context reentered = started.stream()
                .filter(context -> "redlock.lock.acquire".equals(context.getName())).skip(1).findFirst().orElseThrow();
        assertThat(reentered.getParentObservation()).as("the re-entered acquisition's parent").isNotNull()
                .extracting(parent -> parent.getContextView()).isSameAs(outerHold);
        TestObservationRegistryAssert.assertThat(registry).hasAnObservation(hold -> hold
                .hasNameEqualTo("redlock.lock.hold").hasLowCardinalityKeyValue("redlock.outcome", "reentered"));
        assertThat(outerHold.getLowCardinalityKeyValue("redlock.outcome")).isEqualTo(KeyValue.of("redlock.outcome", "released"));
    }

    @Test
    void workThatOutlivesItsLockEndsTheHoldExpired() {
        Redlock redlock = redlock(listener);

        redlock.execute(LockRequest.of("order:45", Duration.ofMillis(200)).withName("order"), lease -> {
            await().atMost(Duration.ofSeconds(5)).until(() -> !lease.isValid());
            return null;
        });

        TestObservationRegistryAssert.assertThat(registry)
                .hasObservationWithNameEqualTo("redlock.lock.hold").that()
                .hasBeenStopped().hasLowCardinalityKeyValue("redlock.outcome", "expired");
    }

    @Test
    void theWorksErrorIsRecordedOnTheHold() {
        Redlock redlock = redlock(listener);
        IllegalStateException failure = new IllegalStateException("boom");

        assertThatThrownBy(() -> redlock.execute(LockRequest.of("order:46", TTL), lease -> {
            throw failure;
        })).isSameAs(failure);

        TestObservationRegistryAssert.assertThat(registry)
                .hasObservationWithNameEqualTo("redlock.lock.hold").that()
                .hasBeenStopped().hasError(failure).hasLowCardinalityKeyValue("redlock.outcome", "released");
        assertThat(registry.getCurrentObservation()).isNull();
    }

    @Test
    void aCallThatNeverReachedAnEngineIsAnAcquisitionWithErrorOrUnavailable() {
        IllegalArgumentException unresolvable = new IllegalArgumentException("EL1008E");

        listener.notAttempted("invoice:#{#id}", Map.of("policy", "skip"), unresolvable);
        listener.notAttempted("invoice:#{#id}", Map.of("policy", "throw"), null);

        TestObservationRegistryAssert.assertThat(registry)
                .hasNumberOfObservationsWithNameEqualTo("redlock.lock.acquire", 2)
                .hasAnObservation(acquire -> acquire.hasNameEqualTo("redlock.lock.acquire")
                        .hasError(unresolvable)
                        .hasLowCardinalityKeyValue("redlock.resource", "invoice:#{#id}")
                        .hasLowCardinalityKeyValue("redlock.outcome", "error")
                        .hasLowCardinalityKeyValue("redlock.policy", "skip"))
                .hasAnObservation(acquire -> acquire.hasNameEqualTo("redlock.lock.acquire")
                        .doesNotHaveError()
                        .hasLowCardinalityKeyValue("redlock.outcome", "unavailable")
                        .hasLowCardinalityKeyValue("redlock.policy", "throw"));
    }

    @Test
    void neitherTheResolvedKeyNorTheLockValueAppearsInAnyKeyValue() {
        List<String> seen = new CopyOnWriteArrayList<>();
        registry.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStop(Observation.Context observed) {
                observed.getAllKeyValues().forEach(keyValue -> seen.add(keyValue.getKey() + "=" + keyValue.getValue()));
                seen.add(String.valueOf(observed.getContextualName()));
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        Redlock redlock = redlock(listener);
        AtomicReference<String> value = new AtomicReference<>("");

        redlock.execute(LockRequest.of("report:987654", TTL).withName("report"), lease -> {
            value.set(lease.value());
            return redlock.execute(LockRequest.of("report:987654", TTL).reentering(lease), inner -> null);
        });

        assertThat(seen).isNotEmpty().noneMatch(text -> text.contains("987654") || text.contains(value.get()));
    }

    @Test
    void aThrowingHandlerOrPredicateNeverFailsTheCallNorKeepsTheLock() {
        ObservationRegistry failing = ObservationRegistry.create();
        failing.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStart(Observation.Context context) {
                throw new IllegalStateException("onStart");
            }

            @Override
            public void onScopeOpened(Observation.Context context) {
                throw new IllegalStateException("onScopeOpened");
            }

            @Override
            public void onScopeClosed(Observation.Context context) {
                throw new IllegalStateException("onScopeClosed");
            }

            @Override
            public void onError(Observation.Context context) {
                throw new IllegalStateException("onError");
            }

            @Override
            public void onStop(Observation.Context context) {
                throw new IllegalStateException("onStop");
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        Redlock redlock = redlock(new RedlockObservationListener(new LockObservations(failing, null, null)));

        assertThat(redlock.execute(LockRequest.of("order:47", TTL), lease -> "ran").value()).contains("ran");
        assertThatThrownBy(() -> redlock.execute(LockRequest.of("order:47", TTL), lease -> {
            throw new UnsupportedOperationException("work");
        })).isInstanceOf(UnsupportedOperationException.class);
        assertThat(failing.getCurrentObservation()).as("no lock observation left current").isNull();

        failing.observationConfig().observationPredicate((name, context) -> {
            throw new IllegalStateException("predicate");
        });
        assertThat(redlock.execute(LockRequest.of("order:47", TTL), lease -> "ran again").value()).contains("ran again");
        assertThat(redlock.tryLock("order:47", TTL).isAcquired()).as("the lock was released").isTrue();
    }

    private List<Observation.Context> holds() {
        return started.stream().filter(context -> "redlock.lock.hold".equals(context.getName())).toList();
    }
}
