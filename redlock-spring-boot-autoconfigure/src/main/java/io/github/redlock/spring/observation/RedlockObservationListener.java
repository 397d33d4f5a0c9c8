package io.github.redlock.spring.observation;

import io.github.redlock.Lease;
import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.RedlockListener;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The one creator of the lock observations, for every lock call on a {@link io.github.redlock.Redlock}
 * (direct, or made by the {@code @DistributedLock} advice), each named by the request's
 * {@link LockRequest#name() name} ({@code unnamed} without one) and tagged with its {@code policy}
 * {@link LockRequest#tags() tag} ({@code none} without one):
 * <ul>
 * <li>{@code redlock.lock.acquire}, from {@link #acquiring} (on the calling thread, a child of the
 * observation current there) until the result: outcome {@code acquired}, {@code reentered} (a nested
 * call that re-entered its call chain's lock; no attempt made), or the failure in lower case; also one
 * for a call that never reached an engine ({@link #notAttempted}: {@code error}, with the error
 * recorded, or {@code unavailable} when no Redlock is configured);</li>
 * <li>{@code redlock.lock.hold}, from {@link #running} (on the thread that starts the work, a child of
 * the observation current there, and current itself until the work's start returned, so that work
 * observed inside it is its child) until the work and its lock ended: outcome {@code released},
 * {@code expired} when the work outlived its lock's validity, or {@code reentered} for a nested call
 * that left its call chain's lock held; the work's error is recorded on it.</li>
 * </ul>
 * Every Micrometer call is guarded ({@link SafeObservations}): a throwing handler, predicate or
 * convention is logged and never fails, delays or leaks a lock call. With a no-op registry nothing is
 * created.
 */
public final class RedlockObservationListener implements RedlockListener {

    private static final Consumer<LockResult> IGNORED = result -> { };
    private static final String POLICY = "policy";

    private final LockObservations observations;
    private final ObservationRegistry registry;

    public RedlockObservationListener(LockObservations observations) {
        this.observations = observations;
        this.registry = observations.registry();
    }

    @Override
    public Consumer<LockResult> acquiring(LockRequest request) {
        if (registry.isNoop()) {
            return IGNORED;
        }
        LockObservationContext context = context(request);
        Observation observation = SafeObservations.start(observations, context, false);
        if (observation.isNoop()) {
            return IGNORED;
        }
        return result -> {
            context.setResult(result);
            SafeObservations.stop(observation);
        };
    }

    @Override
    public Running running(LockRequest request, Lease lease) {
        if (registry.isNoop()) {
            return Running.IGNORED;
        }
        LockObservationContext context = context(request);
        Observation observation = SafeObservations.start(observations, context, true);
        if (observation.isNoop()) {
            return Running.IGNORED;
        }
        return new Hold(context, observation, SafeObservations.open(registry, observation),
                request.reentry().isPresent());
    }

    @Override
    public void notAttempted(String name, Map<String, String> tags, @Nullable Throwable error) {
        if (registry.isNoop()) {
            return;
        }
        LockObservationContext context = new LockObservationContext(name, tags.get(POLICY));
        Observation observation = SafeObservations.start(() -> observations.acquire(context));
        context.setOutcome(error != null ? "error" : "unavailable");
        if (error != null) {
            SafeObservations.error(observation, error);
        }
        SafeObservations.stop(observation);
    }

    private static LockObservationContext context(LockRequest request) {
        return new LockObservationContext(request.name().orElse(LockObservationContext.UNNAMED),
                request.tags().get(POLICY));
    }

    /** A {@code redlock.lock.hold} observation, current on the starting thread until {@link #returned()}. */
    private static final class Hold implements Running {

        private final LockObservationContext context;
        private final Observation observation;
        private final SafeObservations.Opened scope;
        private final boolean reentered;

        Hold(LockObservationContext context, Observation observation, SafeObservations.Opened scope, boolean reentered) {
            this.context = context;
            this.observation = observation;
            this.scope = scope;
            this.reentered = reentered;
        }

        @Override
        public void returned() {
            scope.close();
        }

        @Override
        public void finished(boolean expired, @Nullable Throwable error) {
            context.setOutcome(expired ? "expired" : reentered ? "reentered" : "released");
            if (error != null) {
                SafeObservations.error(observation, error);
            }
            SafeObservations.stop(observation);
        }
    }
}
