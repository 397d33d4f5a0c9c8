package io.github.redlock.spring.observation;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The lock meter handler makes the very meters Micrometer's {@code DefaultMeterObservationHandler}
 * makes of the lock observations (names, types, tags, counts), and finds them again instead of
 * registering them on every call.
 */
class LockMeterObservationHandlerTests {

    private final SimpleMeterRegistry defaultMeters = new SimpleMeterRegistry();
    private final SimpleMeterRegistry lockMeters = new SimpleMeterRegistry();
    private final ObservationRegistry byDefault = ObservationRegistry.create();
    private final ObservationRegistry byLockHandler = ObservationRegistry.create();

    LockMeterObservationHandlerTests() {
        byDefault.observationConfig().observationHandler(new DefaultMeterObservationHandler(defaultMeters));
        byLockHandler.observationConfig().observationHandler(new LockMeterObservationHandler(lockMeters, true));
    }

    @Test
    void acquisitionsHoldsAndErrorsMakeTheMetersOfMicrometersHandler() {
        both(registry -> {
            LockObservations observations = new LockObservations(registry, null, null);
            for (int call = 0; call < 3; call++) {
                observe(observations.acquire(new LockObservationContext("invoice:#{#id}", "throw")), "acquired", null);
                observe(observations.hold(new LockObservationContext("invoice:#{#id}", "throw")), "released", null);
            }
            observe(observations.acquire(new LockObservationContext("report", null)), "contended", null);
            observe(observations.hold(new LockObservationContext("report", null)), "released",
                    new IllegalStateException("work failed"));
        });

        assertThat(describe(lockMeters)).isEqualTo(describe(defaultMeters)).contains(
                "TIMER redlock.lock.acquire [error=none, redlock.outcome=acquired, redlock.policy=throw, redlock.resource=invoice:#{#id}] count 3",
                "TIMER redlock.lock.hold [error=IllegalStateException, redlock.outcome=released, redlock.policy=none, redlock.resource=report] count 1",
                "LONG_TASK_TIMER redlock.lock.hold.active [redlock.outcome=unknown, redlock.policy=throw, redlock.resource=invoice:#{#id}] active 0");
    }

    @Test
    void aLockHeldNowIsActiveInTheLongTaskTimer() {
        LockObservations observations = new LockObservations(byLockHandler, null, null);
        Observation hold = observations.hold(new LockObservationContext("report", null)).start();

        LongTaskTimer active = lockMeters.get("redlock.lock.hold.active").tag("redlock.resource", "report").longTaskTimer();
        assertThat(active.activeTasks()).as("held now").isEqualTo(1);
        hold.stop();
        assertThat(active.activeTasks()).as("released").isZero();
    }

    @Test
    void keyValuesOfAnApplicationsConventionAndOfAFilterAreTagsAsWithMicrometersHandler() {
        LockAcquireObservationConvention teamTagged = new DefaultLockAcquireObservationConvention() {
            @Override
            public KeyValues getLowCardinalityKeyValues(LockObservationContext context) {
                return super.getLowCardinalityKeyValues(context).and("team", "billing");
            }
        };
        both(registry -> {
            registry.observationConfig().observationFilter(context -> context.addLowCardinalityKeyValue(
                    io.micrometer.common.KeyValue.of("region", "eu")));
            LockObservations observations = new LockObservations(registry, teamTagged, null);
            observe(observations.acquire(new LockObservationContext("report", null)), "acquired", null);
            observe(observations.acquire(new LockObservationContext("report", null)), "acquired", null);
        });

        assertThat(describe(lockMeters)).isEqualTo(describe(defaultMeters)).contains(
                "TIMER redlock.lock.acquire [error=none, redlock.outcome=acquired, redlock.policy=none, redlock.resource=report, region=eu, team=billing] count 2");
    }

    @Test
    void eachMeterIsRegisteredOnceAndFoundAgainAfterwards() {
        LockObservations observations = new LockObservations(byLockHandler, null, null);
        observe(observations.acquire(new LockObservationContext("report", null)), "acquired", null);
        Timer first = lockMeters.get("redlock.lock.acquire").timer();
        lockMeters.remove(first);

        observe(observations.acquire(new LockObservationContext("report", null)), "acquired", null);

        assertThat(first.count()).as("the second call recorded in the meter found the first time").isEqualTo(2);
        assertThat(lockMeters.find("redlock.lock.acquire").timers()).as("not registered again").isEmpty();
    }

    @Test
    void atMostMaxCachedKeySetsAreKeptAcrossAllNames() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        LockMeterObservationHandler handler = new LockMeterObservationHandler(meters, true);
        for (int id = 0; id < LockMeterObservationHandler.MAX_CACHED; id++) {
            record(handler, "lock.first", id);
        }

        // Another name's first key set, once the cache is full: registered on every call, not kept.
        record(handler, "lock.second", 0);
        meters.remove(meters.get("lock.second").timer());
        meters.remove(meters.get("lock.second.active").longTaskTimer());
        record(handler, "lock.second", 0);

        assertThat(meters.find("lock.second").timers()).as("timer registered again").hasSize(1);
        assertThat(meters.find("lock.second.active").longTaskTimers()).as("long-task timer registered again").hasSize(1);
        Timer kept = meters.get("lock.first").tag("id", "0").timer();
        meters.remove(kept);
        record(handler, "lock.first", 0);
        assertThat(kept.count()).as("a key set kept before the cache was full is found again").isEqualTo(2);
        assertThat(meters.find("lock.first").tag("id", "0").timers()).as("not registered again").isEmpty();
    }

    @Test
    void withoutLongTaskTimersOnlyTheTimersAreMade() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new LockMeterObservationHandler(meters, false));

        observe(new LockObservations(registry, null, null).hold(new LockObservationContext("report", null)), "released", null);

        assertThat(meters.getMeters()).extracting(meter -> meter.getId().getName()).containsExactly("redlock.lock.hold");
    }

    @Test
    void otherObservationsAreLeftToTheApplicationsHandlers() {
        assertThat(new LockMeterObservationHandler(lockMeters, true).supportsContext(new Observation.Context())).isFalse();
    }

    private void both(Consumer<ObservationRegistry> calls) {
        calls.accept(byDefault);
        calls.accept(byLockHandler);
    }

    private static void observe(Observation observation, String outcome, @Nullable Throwable error) {
        observation.start();
        ((LockObservationContext) observation.getContext()).setOutcome(outcome);
        if (error != null) {
            observation.error(error);
        }
        observation.stop();
    }

    /** One observation of {@code name} tagged {@code id}, started and stopped by {@code handler} alone. */
    private static void record(LockMeterObservationHandler handler, String name, int id) {
        LockObservationContext context = new LockObservationContext("report", null);
        context.setName(name);
        context.addLowCardinalityKeyValues(KeyValues.of("id", Integer.toString(id)));
        handler.onStart(context);
        handler.onStop(context);
    }

    private static List<String> describe(SimpleMeterRegistry meters) {
        return meters.getMeters().stream().map(LockMeterObservationHandlerTests::describe).sorted().toList();
    }

    private static String describe(Meter meter) {
        String tags = meter.getId().getTags().stream().map(tag -> tag.getKey() + "=" + tag.getValue()).toList().toString();
        String value = meter instanceof Timer timer ? "count " + timer.count()
                : meter instanceof LongTaskTimer ltt ? "active " + ltt.activeTasks() : "";
        return meter.getId().getType() + " " + meter.getId().getName() + " " + tags + " " + value;
    }
}
