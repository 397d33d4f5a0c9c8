package io.github.redlock.spring.observation;

import io.github.redlock.spring.observation.LockObservationDocumentation.LowCardinalityKeys;
import io.micrometer.common.KeyValues;

/** The low-cardinality key values both lock observations carry by default. */
final class LockKeyValues {

    private LockKeyValues() {
    }

    static KeyValues of(LockObservationContext context) {
        return KeyValues.of(LowCardinalityKeys.RESOURCE.withValue(context.getResource()),
                LowCardinalityKeys.OUTCOME.withValue(context.getOutcome()),
                LowCardinalityKeys.POLICY.withValue(context.getPolicy()));
    }
}
