package io.github.redlock.spring.support;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
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

    /**
     * Creates and starts an observation; creating one runs the registry's predicates, conventions
     * and handlers' {@code supportsContext}, which may throw too. When creating fails, nothing is
     * observed; when a handler's {@code onStart} fails, the observation is returned all the same,
     * so that the handlers that did start are stopped with it.
     */
    static Observation start(Supplier<Observation> create) {
        Observation observation;
        try {
            observation = create.get();
        } catch (RuntimeException e) {
            failed(e);
            return Observation.NOOP;
        }
        try {
            observation.start();
        } catch (RuntimeException e) {
            failed(e);
        }
        return observation;
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

    /** Runs {@code call} with {@code observation} current on this thread (in {@code registry}). */
    static <T> T scoped(ObservationRegistry registry, Observation observation, Supplier<T> call) {
        Observation.@Nullable Scope before = registry.getCurrentObservationScope();
        Observation.@Nullable Scope scope = open(registry, observation, before);
        try {
            return call.get();
        } finally {
            close(registry, scope, before);
        }
    }

    /** As {@link #scoped(ObservationRegistry, Observation, Supplier)}, for a method's own call. */
    static @Nullable Object proceedScoped(ObservationRegistry registry, Observation observation, Call call)
            throws Throwable {
        Observation.@Nullable Scope before = registry.getCurrentObservationScope();
        Observation.@Nullable Scope scope = open(registry, observation, before);
        try {
            return call.proceed();
        } finally {
            close(registry, scope, before);
        }
    }

    /**
     * Opens a scope; when a handler fails, puts back the scope that was current (the registry
     * makes the new one current before it tells the handlers), so that a stopped lock
     * observation never stays current on a pooled thread.
     */
    private static Observation.@Nullable Scope open(ObservationRegistry registry, Observation observation,
            Observation.@Nullable Scope before) {
        try {
            return observation.openScope();
        } catch (RuntimeException e) {
            failed(e);
            registry.setCurrentObservationScope(before);
            return null;
        }
    }

    private static void close(ObservationRegistry registry, Observation.@Nullable Scope scope,
            Observation.@Nullable Scope before) {
        if (scope == null) {
            return;
        }
        try {
            scope.close();
        } catch (RuntimeException e) {
            failed(e);
            registry.setCurrentObservationScope(before);
        }
    }

    private static void failed(RuntimeException e) {
        LOG.warn("An ObservationHandler failed; the locked call goes on", e);
    }
}
