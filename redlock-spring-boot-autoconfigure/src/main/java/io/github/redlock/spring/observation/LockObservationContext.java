package io.github.redlock.spring.observation;

import io.github.redlock.LockResult;
import io.github.redlock.NodeStatus;
import io.micrometer.observation.Observation;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What the lock observations know: the kind of lock (never the resolved key), the policy, and the
 * outcome, set when the attempt or the held section ends.
 */
public class LockObservationContext extends Observation.Context {

    /** The resource value of requests that have no name. */
    public static final String UNNAMED = "unnamed";

    private final String resource;
    private final @Nullable String policy;
    private String outcome = "unknown";
    private @Nullable LockResult result;
    private boolean acquisition;

    /**
     * @param resource the resource template or request name, low-cardinality
     * @param policy {@code skip} or {@code throw} for {@code @DistributedLock} calls, null for direct ones
     */
    public LockObservationContext(String resource, @Nullable String policy) {
        this.resource = resource;
        this.policy = policy;
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

    /** The engine's result of an acquisition, once known; null before, and when the engine was not asked. */
    public @Nullable LockResult getResult() {
        return result;
    }

    /** Records an acquisition's result and sets the outcome from it. */
    public void setResult(LockResult result) {
        this.result = result;
        this.outcome = result.isAcquired() ? "acquired" : result.failure().name().toLowerCase(Locale.ROOT);
    }

    /** Marks the context of an acquisition, so that the engine's own observation of the same call is not made. */
    void markAcquisition() {
        acquisition = true;
    }

    boolean isAcquisition() {
        return acquisition;
    }

    /** How many nodes had granted the lock when the last attempt was decided, or -1 when unknown. */
    public int getNodesGranted() {
        LockResult known = result;
        return known == null ? -1 : (int) known.nodes().stream().filter(node -> node.status() == NodeStatus.OK).count();
    }
}
