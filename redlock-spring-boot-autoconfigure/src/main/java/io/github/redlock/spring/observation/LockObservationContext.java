package io.github.redlock.spring.observation;

import io.github.redlock.LockResult;
import io.github.redlock.NodeOutcome;
import io.github.redlock.NodeStatus;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What the lock observations know: the kind of lock (never the resolved key, never the lock's
 * value), the policy, and the outcome, set when the attempt or the held section ends.
 *
 * <p>Its key values may be added, removed and read from several threads at once (a task started
 * inside the hold scope may tag the current observation while it stops), as with a plain
 * {@link Observation.Context}. It is its own {@link Supplier}, so that {@link LockObservations} creates
 * the observations without a supplier object per call.
 */
public class LockObservationContext extends Observation.Context implements Supplier<LockObservationContext> {

    /** The resource value of requests that have no name. */
    public static final String UNNAMED = "unnamed";

    private final String resource;
    private final @Nullable String policy;
    private String outcome = "unknown";
    private int attempts = -1;
    private int nodesGranted = -1;
    // LockMeterObservationHandler's samples: here rather than in the context's map, which costs more.
    // Typed Object so that this class needs no micrometer-core.
    volatile long meterStartNanos;
    volatile boolean meterStarted;
    // LockKeyValues' entries for this context's resource and policy, found once per context.
    volatile LockKeyValues.@Nullable Resource defaultResource;
    volatile @Nullable Map<String, KeyValues> defaultKeyValues;
    volatile @Nullable Object meterLongTaskSample;
    // The key values as added, while every addition named every key added before (as the conventions'
    // key values do): so the default conventions' cached key values come back as they are, without
    // filling, sorting and comparing the context's maps on every call; null once another addition or
    // a removal moved them into the context's maps. Guarded by this context's monitor, as are the
    // maps' changes made here: a thread that moves the kept values into the maps must neither lose an
    // addition another thread makes meanwhile (the maps are concurrent, so a plain Context keeps both)
    // nor let a reader see the maps half filled. Each key value method holds it briefly, uncontended
    // but for a task that tags the current observation while it stops.
    private @Nullable KeyValues lowCardinality = KeyValues.empty();
    private @Nullable KeyValues highCardinality = KeyValues.empty();

    /**
     * @param resource the resource template or request name, low-cardinality
     * @param policy {@code skip} or {@code throw} for {@code @DistributedLock} calls, null for direct ones
     */
    public LockObservationContext(String resource, @Nullable String policy) {
        this.resource = resource;
        this.policy = policy;
    }

    @Override
    public synchronized Observation.Context addLowCardinalityKeyValues(KeyValues keyValues) {
        KeyValues own = lowCardinality;
        if (own != null && namesAll(keyValues, own)) {
            lowCardinality = keyValues;
            return this;
        }
        return super.addLowCardinalityKeyValues(keyValues);
    }

    @Override
    public synchronized Observation.Context addLowCardinalityKeyValue(KeyValue keyValue) {
        spillLowCardinality();
        return super.addLowCardinalityKeyValue(keyValue);
    }

    @Override
    public synchronized Observation.Context removeLowCardinalityKeyValue(String keyName) {
        spillLowCardinality();
        return super.removeLowCardinalityKeyValue(keyName);
    }

    @Override
    public synchronized KeyValues getLowCardinalityKeyValues() {
        KeyValues own = lowCardinality;
        return own != null ? own : super.getLowCardinalityKeyValues();
    }

    @Override
    public synchronized @Nullable KeyValue getLowCardinalityKeyValue(String key) {
        KeyValues own = lowCardinality;
        return own != null ? find(own, key) : super.getLowCardinalityKeyValue(key);
    }

    @Override
    public synchronized Observation.Context addHighCardinalityKeyValues(KeyValues keyValues) {
        KeyValues own = highCardinality;
        if (own != null && namesAll(keyValues, own)) {
            highCardinality = keyValues;
            return this;
        }
        return super.addHighCardinalityKeyValues(keyValues);
    }

    @Override
    public synchronized Observation.Context addHighCardinalityKeyValue(KeyValue keyValue) {
        spillHighCardinality();
        return super.addHighCardinalityKeyValue(keyValue);
    }

    @Override
    public synchronized Observation.Context removeHighCardinalityKeyValue(String keyName) {
        spillHighCardinality();
        return super.removeHighCardinalityKeyValue(keyName);
    }

    @Override
    public synchronized KeyValues getHighCardinalityKeyValues() {
        KeyValues own = highCardinality;
        return own != null ? own : super.getHighCardinalityKeyValues();
    }

    @Override
    public synchronized @Nullable KeyValue getHighCardinalityKeyValue(String key) {
        KeyValues own = highCardinality;
        return own != null ? find(own, key) : super.getHighCardinalityKeyValue(key);
    }

    /**
     * From now on the key values live in the context's map, starting with the ones kept here. Called
     * holding this context's monitor.
     */
    private void spillLowCardinality() {
        KeyValues own = lowCardinality;
        if (own != null) {
            lowCardinality = null;
            for (KeyValue keyValue : own) {
                super.addLowCardinalityKeyValue(keyValue);
            }
        }
    }

    private void spillHighCardinality() {
        KeyValues own = highCardinality;
        if (own != null) {
            highCardinality = null;
            for (KeyValue keyValue : own) {
                super.addHighCardinalityKeyValue(keyValue);
            }
        }
    }

    private static @Nullable KeyValue find(KeyValues keyValues, String key) {
        for (KeyValue keyValue : keyValues) {
            if (keyValue.getKey().equals(key)) {
                return keyValue;
            }
        }
        return null;
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

    /** This context. */
    @Override
    public LockObservationContext get() {
        return this;
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
