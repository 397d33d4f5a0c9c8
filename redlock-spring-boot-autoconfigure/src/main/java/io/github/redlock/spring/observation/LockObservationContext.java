package io.github.redlock.spring.observation;

import io.github.redlock.LockResult;
import io.github.redlock.NodeStatus;
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

    /**
     * Records what an acquisition's result says (not its resource or lease), and sets the outcome from
     * it: {@code acquired}, {@code reentered} (a nested call re-entered its call chain's lock, no
     * attempt made), or the failure in lower case.
     */
    public void setResult(LockResult result) {
        this.outcome = result.reentered() ? "reentered"
                : result.isAcquired() ? "acquired" : result.failure().name().toLowerCase(Locale.ROOT);
        this.attempts = result.attempts();
        this.nodesGranted = (int) result.nodes().stream().filter(node -> node.status() == NodeStatus.OK).count();
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
