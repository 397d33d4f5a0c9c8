package io.github.redlock.spring.observation;

import io.github.redlock.LockResult;
import io.github.redlock.NodeOutcome;
import io.github.redlock.NodeStatus;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What the lock observations know: the kind of lock (never the resolved key, never the lock's
 * value), the policy, and the outcome, set when the attempt or the held section ends.
 */
public class LockObservationContext extends Observation.Context {

    /** The resource value of requests that have no name. */
    public static final String UNNAMED = "unnamed";

    private final String resource;
    private final @Nullable String policy;
    private String outcome = "unknown";
    private int attempts = -1;
    private int nodesGranted = -1;
    // LockMeterObservationHandler's samples: here rather than in the context's map, which costs more.
    // Typed Object so that this class needs no micrometer-core.
    volatile @Nullable Object meterSample;
    volatile @Nullable Object meterLongTaskSample;
    // The low-cardinality key values when known without reading the map: the last ones added, when they
    // name every key added before. So the default convention's cached key values come back as they are,
    // and the meter handler finds their meters without building, sorting and comparing new ones.
    private volatile @Nullable KeyValues lowCardinality = KeyValues.empty();

    /**
     * @param resource the resource template or request name, low-cardinality
     * @param policy {@code skip} or {@code throw} for {@code @DistributedLock} calls, null for direct ones
     */
    public LockObservationContext(String resource, @Nullable String policy) {
        this.resource = resource;
        this.policy = policy;
    }

    @Override
    public Observation.Context addLowCardinalityKeyValues(KeyValues keyValues) {
        KeyValues before = lowCardinality;
        super.addLowCardinalityKeyValues(keyValues);
        lowCardinality = before != null && namesAll(keyValues, before) ? keyValues : null;
        return this;
    }

    @Override
    public Observation.Context addLowCardinalityKeyValue(KeyValue keyValue) {
        super.addLowCardinalityKeyValue(keyValue);
        lowCardinality = null;
        return this;
    }

    @Override
    public Observation.Context removeLowCardinalityKeyValue(String keyName) {
        super.removeLowCardinalityKeyValue(keyName);
        lowCardinality = null;
        return this;
    }

    @Override
    public Observation.Context removeLowCardinalityKeyValues(String... keyNames) {
        super.removeLowCardinalityKeyValues(keyNames);
        lowCardinality = null;
        return this;
    }

    @Override
    public KeyValues getLowCardinalityKeyValues() {
        KeyValues known = lowCardinality;
        return known != null ? known : super.getLowCardinalityKeyValues();
    }

    private static boolean namesAll(KeyValues added, KeyValues before) {
        for (KeyValue old : before) {
            boolean named = false;
            for (KeyValue keyValue : added) {
                if (keyValue.getKey().equals(old.getKey())) {
                    named = true;
                    break;
                }
            }
            if (!named) {
                return false;
            }
        }
        return true;
    }

    public String getResource() {
        return resource;
    }

    /** {@code skip}, {@code throw}, or {@code none} for direct calls. */
    public String getPolicy() {
        return policy != null ? policy : "none";
    }

    public String getOutcome() {
        return outcome;
    }

    public void setOutcome(String outcome) {
        this.outcome = outcome;
    }

    /**
     * Records what an acquisition's result says (not its resource or lease), and sets the outcome from
     * it: {@code acquired}, {@code reentered} (a nested call re-entered its call chain's lock, no
     * attempt made), or the failure in lower case.
     */
    public void setResult(LockResult result) {
        this.outcome = result.reentered() ? "reentered"
                : result.isAcquired() ? "acquired" : result.failure().name().toLowerCase(Locale.ROOT);
        this.attempts = result.attempts();
        int granted = 0;
        for (NodeOutcome node : result.nodes()) {
            if (node.status() == NodeStatus.OK) {
                granted++;
            }
        }
        this.nodesGranted = granted;
    }

    /** How many attempts the acquisition made, or -1 when the engine was not asked (yet). */
    public int getAttempts() {
        return attempts;
    }

    /** How many nodes had granted the lock when the last attempt was decided, or -1 when unknown. */
    public int getNodesGranted() {
        return nodesGranted;
    }
}
