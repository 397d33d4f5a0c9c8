package io.github.redlock.spring.support;

import io.micrometer.observation.Observation;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Observation calls that never throw: a failing {@code ObservationHandler} is logged, and must
 * neither lose a lease (a lock granted and never released) nor fail a locked call.
 */
final class Observed {

    private static final Log LOG = LogFactory.getLog(Observed.class);

    /** A method's own call, which may throw anything. */
    @FunctionalInterface
    interface Call {
        @Nullable Object proceed() throws Throwable;
    }

    private Observed() {
    }

    static Observation start(Observation observation) {
        try {
            return observation.start();
        } catch (RuntimeException e) {
            failed(e);
            return Observation.NOOP;
        }
    }

    static void stop(Observation observation) {
        try {
            observation.stop();
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    static void error(Observation observation, Throwable error) {
        try {
            observation.error(error);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    /** Runs {@code call} with {@code observation} current on this thread. */
    static <T> T scoped(Observation observation, Supplier<T> call) {
        Observation.Scope scope = open(observation);
        try {
            return call.get();
        } finally {
            close(scope);
        }
    }

    /** As {@link #scoped(Observation, Supplier)}, for a method's own call. */
    static @Nullable Object proceedScoped(Observation observation, Call call) throws Throwable {
        Observation.Scope scope = open(observation);
        try {
            return call.proceed();
        } finally {
            close(scope);
        }
    }

    private static Observation.@Nullable Scope open(Observation observation) {
        try {
            return observation.openScope();
        } catch (RuntimeException e) {
            failed(e);
            return null;
        }
    }

    private static void close(Observation.@Nullable Scope scope) {
        if (scope == null) {
            return;
        }
        try {
            scope.close();
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private static void failed(RuntimeException e) {
        LOG.warn("An ObservationHandler failed; the locked call goes on", e);
    }
}
