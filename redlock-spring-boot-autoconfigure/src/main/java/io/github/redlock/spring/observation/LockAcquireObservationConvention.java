package io.github.redlock.spring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and key values of the {@code redlock.lock.acquire} observations; define a bean of this type
 * to replace {@link DefaultLockAcquireObservationConvention} (extend it to add key values).
 */
public interface LockAcquireObservationConvention extends ObservationConvention<LockObservationContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof LockObservationContext;
    }
}
