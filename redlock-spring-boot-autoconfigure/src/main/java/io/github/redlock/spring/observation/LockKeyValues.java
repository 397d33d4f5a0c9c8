package io.github.redlock.spring.observation;

import io.github.redlock.spring.observation.LockObservationDocumentation.LowCardinalityKeys;
import io.micrometer.common.KeyValues;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The low-cardinality key values both lock observations carry by default, built once per resource,
 * policy and outcome (a convention is asked for them when an observation starts and again when it
 * stops, twice per locked call each). Resources are low-cardinality by design; past
 * {@value #MAX_RESOURCES} of them, the key values of further ones are built on every call.
 */
final class LockKeyValues {

    static final int MAX_RESOURCES = 10_000;

    /** resource, then policy, then outcome. */
    private static final Map<String, Map<String, Map<String, KeyValues>>> CACHE = new ConcurrentHashMap<>();

    private LockKeyValues() {
    }

    static KeyValues of(LockObservationContext context) {
        String resource = context.getResource();
        String policy = context.getPolicy();
        String outcome = context.getOutcome();
        Map<String, Map<String, KeyValues>> policies = CACHE.get(resource);
        if (policies == null) {
            if (CACHE.size() >= MAX_RESOURCES) {
                return build(resource, outcome, policy);
            }
            policies = CACHE.computeIfAbsent(resource, r -> new ConcurrentHashMap<>());
        }
        Map<String, KeyValues> outcomes = policies.get(policy);
        if (outcomes == null) {
            outcomes = policies.computeIfAbsent(policy, p -> new ConcurrentHashMap<>());
        }
        KeyValues keyValues = outcomes.get(outcome);
        return keyValues != null ? keyValues : outcomes.computeIfAbsent(outcome, o -> build(resource, o, policy));
    }

    private static KeyValues build(String resource, String outcome, String policy) {
        return KeyValues.of(LowCardinalityKeys.RESOURCE.withValue(resource),
                LowCardinalityKeys.OUTCOME.withValue(outcome), LowCardinalityKeys.POLICY.withValue(policy));
    }
}
