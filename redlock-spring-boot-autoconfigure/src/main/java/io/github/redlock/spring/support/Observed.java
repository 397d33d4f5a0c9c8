package io.github.redlock.spring.support;

import io.github.redlock.spring.observation.SafeObservations;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The advice's guarded observation calls, now {@link SafeObservations} (kept until the advice
 * runs on the core's locked call and creates no observations of its own).
 */
final class Observed {

    /** A method's own call, which may throw anything. */
    @FunctionalInterface
    interface Call {
        @Nullable Object proceed() throws Throwable;
    }

    private Observed() {
    }

    static Observation start(Supplier<Observation> create) {
        return SafeObservations.start(create);
    }

    static void stop(Observation observation) {
        SafeObservations.stop(observation);
    }

    static void error(Observation observation, Throwable error) {
        SafeObservations.error(observation, error);
    }

    static <T> T scoped(ObservationRegistry registry, Observation observation, Supplier<T> call) {
        return SafeObservations.scoped(registry, observation, call);
    }

    static @Nullable Object proceedScoped(ObservationRegistry registry, Observation observation, Call call)
            throws Throwable {
        SafeObservations.Opened scope = SafeObservations.open(registry, observation);
        try {
            return call.proceed();
        } finally {
            scope.close();
        }
    }
}
