package io.github.redlock.spring.observation;

import io.micrometer.common.KeyValues;

/**
 * Observation {@code redlock.lock.acquire}, contextual name {@code acquire <resource>}, with the
 * key values of {@link LockObservationDocumentation#ACQUIRE}.
 */
public class DefaultLockAcquireObservationConvention implements LockAcquireObservationConvention {

    public static final String NAME = "redlock.lock.acquire";

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public String getContextualName(LockObservationContext context) {
        return LockKeyValues.acquireName(context);
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(LockObservationContext context) {
        return LockKeyValues.of(context);
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(LockObservationContext context) {
        if (context.getAttempts() < 0) {
            return KeyValues.empty();
        }
        return LockKeyValues.counts(context.getAttempts(), context.getNodesGranted());
    }
}
