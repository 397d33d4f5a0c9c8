package io.github.redlock.spring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Observation calls that never throw, for the lock observations: a failing
 * {@code ObservationHandler}, predicate, convention or {@code supportsContext} is logged, and must
 * neither lose a lease (a lock granted and never released) nor fail a locked call. Used by
 * {@link RedlockObservationListener} and by the {@code @DistributedLock} advice; not meant for
 * applications.
 */
public final class SafeObservations {

    private static final Log LOG = LogFactory.getLog(SafeObservations.class);

    private SafeObservations() {
    }

    /**
     * Creates and starts an observation; creating one runs the registry's predicates, conventions
     * and handlers' {@code supportsContext}, which may throw too. When creating fails, nothing is
     * observed ({@link Observation#NOOP}); when a handler's {@code onStart} fails, the observation is
     * returned all the same, so that the handlers that did start are stopped with it.
     */
    public static Observation start(Supplier<Observation> create) {
        Observation observation;
        try {
            observation = create.get();
        } catch (RuntimeException e) {
            failed(e);
            return Observation.NOOP;
        }
        return started(observation);
    }

    /** As {@link #start(Supplier)}, for a lock observation, without a supplier per call: {@code hold} or acquire. */
    static Observation start(LockObservations observations, LockObservationContext context, boolean hold) {
        Observation observation;
        try {
            observation = hold ? observations.hold(context) : observations.acquire(context);
        } catch (RuntimeException e) {
            failed(e);
            return Observation.NOOP;
        }
        return started(observation);
    }

    private static Observation started(Observation observation) {
        try {
            observation.start();
        } catch (RuntimeException e) {
            failed(e);
        }
        return observation;
    }

    public static void stop(Observation observation) {
        try {
            observation.stop();
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    public static void error(Observation observation, Throwable error) {
        try {
            observation.error(error);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    /** Runs {@code call} with {@code observation} current on this thread (in {@code registry}). */
    public static <T> T scoped(ObservationRegistry registry, Observation observation, Supplier<T> call) {
        Opened scope = open(registry, observation);
        try {
            return call.get();
        } finally {
            scope.close();
        }
    }

    /**
     * Makes {@code observation} current on this thread until {@link Opened#close()}, which must be
     * called on this same thread. When a handler fails, the scope that was current is put back
     * (the registry makes the new one current before it tells the handlers), so that a lock
     * observation never stays current on a pooled thread.
     */
    public static Opened open(ObservationRegistry registry, Observation observation) {
        if (observation.isNoop()) {
            return Opened.NOTHING;
        }
        Observation.@Nullable Scope before = registry.getCurrentObservationScope();
        try {
            return new Opened(registry, observation.openScope(), before);
        } catch (RuntimeException e) {
            failed(e);
            registry.setCurrentObservationScope(before);
            return Opened.NOTHING;
        }
    }

    /** A scope {@link #open opened} on this thread; {@link #close()} never throws. */
    public static final class Opened {

        static final Opened NOTHING = new Opened(null, null, null);

        private final @Nullable ObservationRegistry registry;
        private final Observation.@Nullable Scope scope;
        private final Observation.@Nullable Scope before;

        private Opened(@Nullable ObservationRegistry registry, Observation.@Nullable Scope scope,
                Observation.@Nullable Scope before) {
            this.registry = registry;
            this.scope = scope;
            this.before = before;
        }

        /** Closes the scope, putting back the one current before it when a handler fails. */
        public void close() {
            if (scope == null || registry == null) {
                return;
            }
            try {
                scope.close();
            } catch (RuntimeException e) {
                failed(e);
                registry.setCurrentObservationScope(before);
            }
        }
    }

    private static void failed(RuntimeException e) {
        LOG.warn("An ObservationHandler failed; the locked call goes on", e);
    }
}
