package io.github.redlock.spring.observation;

import io.micrometer.common.KeyValues;

/**
 * Observation {@code redlock.lock.hold}, contextual name {@code hold <resource>}, with the key
 * values of {@link LockObservationDocumentation#HOLD}.
 */
public class DefaultLockHoldObservationConvention implements LockHoldObservationConvention {

    public static final String NAME = "redlock.lock.hold";

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public String getContextualName(LockObservationContext context) {
        return LockKeyValues.holdName(context);
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(LockObservationContext context) {
        return LockKeyValues.of(context);
    }
}
