package io.github.redlock;

import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of a lock call: the lease when acquired, otherwise why not, with what each node did
 * in the last attempt.
 */
public final class LockResult {

    private final String resource;
    private final @Nullable Lease lease;
    private final @Nullable LockFailure failure;
    private final List<NodeOutcome> nodes;
    private final int attempts;
    private final boolean reentered;

    private LockResult(String resource, @Nullable Lease lease, @Nullable LockFailure failure, List<NodeOutcome> nodes,
            int attempts, boolean reentered) {
        this.resource = resource;
        this.lease = lease;
        this.failure = failure;
        this.nodes = List.copyOf(nodes);
        this.attempts = attempts;
        this.reentered = reentered;
    }

    static LockResult acquired(Lease lease, List<NodeOutcome> nodes, int attempts) {
        return new LockResult(lease.resource(), lease, null, nodes, attempts, false);
    }

    static LockResult reentered(Lease held) {
        return new LockResult(held.resource(), held, null, List.of(), 0, true);
    }

    static LockResult failed(String resource, LockFailure failure, List<NodeOutcome> nodes, int attempts) {
        return new LockResult(resource, null, failure, nodes, attempts, false);
    }

    /**
     * Whether the call re-entered a lock its call chain already held ({@link LockRequest#reentering}):
     * no attempt was made, and the lease is the one held before.
     */
    public boolean reentered() {
        return reentered;
    }

    public String resource() {
        return resource;
    }

    public boolean isAcquired() {
        return lease != null;
    }

    public Optional<Lease> lease() {
        return Optional.ofNullable(lease);
    }

    /**
     * Returns the lease.
     *
     * @throws LockNotAcquiredException naming the resource, the reason and each node's outcome
     */
    public Lease leaseOrThrow() {
        if (lease == null) {
            throw new LockNotAcquiredException(resource, failure(), nodes);
        }
        return lease;
    }

    /**
     * Why the lock was not acquired.
     *
     * @throws IllegalStateException when it was acquired
     */
    public LockFailure failure() {
        if (failure == null) {
            throw new IllegalStateException("the lock on '" + resource + "' was acquired");
        }
        return failure;
    }

    /** What each node did in the last attempt, in configured order (nodes not yet answered omitted when granted early). */
    public List<NodeOutcome> nodes() {
        return nodes;
    }

    /** How many attempts were made. */
    public int attempts() {
        return attempts;
    }

    @Override
    public String toString() {
        return lease != null ? "LockResult[" + (reentered ? "re-entered " : "acquired ") + lease + ", attempts=" + attempts + "]"
                : "LockResult[" + LockRequest.shown(resource) + " not acquired: " + failure + ", attempts=" + attempts + ", nodes=" + nodes + "]";
    }
}
