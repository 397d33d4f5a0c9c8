package io.github.redlock.spring.observation;

import io.github.redlock.spring.observation.LockObservationDocumentation.AcquireHighCardinalityKeys;
import io.github.redlock.spring.observation.LockObservationDocumentation.LowCardinalityKeys;
import io.micrometer.common.KeyValues;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * What the default conventions hand out on every locked call, built once: the low-cardinality key
 * values both lock observations carry, per resource, policy and outcome (a convention is asked for
 * them when an observation starts and again when it stops, twice per locked call each), the
 * contextual names per resource, and the acquire observation's high-cardinality key values for up to
 * {@value #SMALL} attempts and granting nodes. Resources are low-cardinality by design; past
 * {@value #MAX_RESOURCES} of them, the key values and names of further ones are built on every call.
 */
final class LockKeyValues {

    static final int MAX_RESOURCES = 10_000;
    static final int SMALL = 32;

    private static final Map<String, Resource> CACHE = new ConcurrentHashMap<>();
    /** attempts × {@value #SMALL} + nodes granted. */
    private static final AtomicReferenceArray<KeyValues> COUNTS = new AtomicReferenceArray<>(SMALL * SMALL);

    private LockKeyValues() {
    }

    static KeyValues of(LockObservationContext context) {
        Map<String, KeyValues> outcomes = context.defaultKeyValues;
        if (outcomes == null) {
            Resource resource = resource(context);
            if (resource == null) {
                return build(context.getResource(), context.getOutcome(), context.getPolicy());
            }
            outcomes = resource.outcomes(context.getPolicy());
            context.defaultKeyValues = outcomes;
        }
        String outcome = context.getOutcome();
        KeyValues keyValues = outcomes.get(outcome);
        return keyValues != null ? keyValues
                : outcomes.computeIfAbsent(outcome, o -> build(context.getResource(), o, context.getPolicy()));
    }

    /** {@code acquire <resource>}. */
    static String acquireName(LockObservationContext context) {
        Resource resource = resource(context);
        return resource != null ? resource.acquireName : Resource.ACQUIRE + context.getResource();
    }

    /** {@code hold <resource>}. */
    static String holdName(LockObservationContext context) {
        Resource resource = resource(context);
        return resource != null ? resource.holdName : Resource.HOLD + context.getResource();
    }

    /** The acquire observation's {@code attempts} and {@code nodes.granted}. */
    static KeyValues counts(int attempts, int nodesGranted) {
        boolean small = attempts >= 0 && attempts < SMALL && nodesGranted >= 0 && nodesGranted < SMALL;
        if (!small) {
            return buildCounts(attempts, nodesGranted);
        }
        int index = attempts * SMALL + nodesGranted;
        KeyValues keyValues = COUNTS.get(index);
        if (keyValues == null) {
            keyValues = buildCounts(attempts, nodesGranted);
            COUNTS.set(index, keyValues);
        }
        return keyValues;
    }

    /** The context's resource entry, found once per context; null once the cache is full. */
    private static @Nullable Resource resource(LockObservationContext context) {
        Resource resource = context.defaultResource;
        if (resource == null) {
            resource = CACHE.get(context.getResource());
            if (resource == null && CACHE.size() < MAX_RESOURCES) {
                resource = CACHE.computeIfAbsent(context.getResource(), Resource::new);
            }
            context.defaultResource = resource;
        }
        return resource;
    }

    private static KeyValues build(String resource, String outcome, String policy) {
        return KeyValues.of(LowCardinalityKeys.RESOURCE.withValue(resource),
                LowCardinalityKeys.OUTCOME.withValue(outcome), LowCardinalityKeys.POLICY.withValue(policy));
    }

    private static KeyValues buildCounts(int attempts, int nodesGranted) {
        return KeyValues.of(AcquireHighCardinalityKeys.ATTEMPTS.withValue(Integer.toString(attempts)),
                AcquireHighCardinalityKeys.NODES_GRANTED.withValue(Integer.toString(nodesGranted)));
    }

    /** One resource's names and key values (policy, then outcome). */
    static final class Resource {

        static final String ACQUIRE = "acquire ";
        static final String HOLD = "hold ";

        final String acquireName;
        final String holdName;
        final Map<String, Map<String, KeyValues>> policies = new ConcurrentHashMap<>();

        Resource(String name) {
            this.acquireName = ACQUIRE + name;
            this.holdName = HOLD + name;
        }

        Map<String, KeyValues> outcomes(String policy) {
            Map<String, KeyValues> outcomes = policies.get(policy);
            return outcomes != null ? outcomes : policies.computeIfAbsent(policy, p -> new ConcurrentHashMap<>());
        }
    }
}
