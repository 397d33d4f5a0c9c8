package io.github.redlock.spring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Creates the lock observations in an {@link ObservationRegistry}, with the application's
 * conventions where it defines them and the defaults otherwise. Each is a child of the
 * observation current when it is created. {@link RedlockObservationListener} is their one creator,
 * for direct and {@code @DistributedLock} calls alike.
 */
public final class LockObservations {

    private static final LockAcquireObservationConvention DEFAULT_ACQUIRE = new DefaultLockAcquireObservationConvention();
    private static final LockHoldObservationConvention DEFAULT_HOLD = new DefaultLockHoldObservationConvention();

    private final ObservationRegistry registry;
    private final @Nullable LockAcquireObservationConvention acquireConvention;
    private final @Nullable LockHoldObservationConvention holdConvention;

    /**
     * @param acquireConvention replaces {@link DefaultLockAcquireObservationConvention} when not null
     * @param holdConvention replaces {@link DefaultLockHoldObservationConvention} when not null
     */
    public LockObservations(ObservationRegistry registry, @Nullable LockAcquireObservationConvention acquireConvention,
            @Nullable LockHoldObservationConvention holdConvention) {
        this.registry = registry;
        this.acquireConvention = acquireConvention;
        this.holdConvention = holdConvention;
    }

    /** Observes nothing: for applications without an {@link ObservationRegistry}. */
    public static LockObservations none() {
        return new LockObservations(ObservationRegistry.NOOP, null, null);
    }

    public ObservationRegistry registry() {
        return registry;
    }

    /**
     * A {@code redlock.lock.acquire} observation of {@code context}, not started; {@code context} is its
     * own supplier, so none is allocated per call.
     */
    public Observation acquire(LockObservationContext context) {
        return Observation.createNotStarted(acquireConvention, DEFAULT_ACQUIRE, context, registry);
    }

    /** A {@code redlock.lock.hold} observation of {@code context}, not started. */
    public Observation hold(LockObservationContext context) {
        return Observation.createNotStarted(holdConvention, DEFAULT_HOLD, context, registry);
    }
}
