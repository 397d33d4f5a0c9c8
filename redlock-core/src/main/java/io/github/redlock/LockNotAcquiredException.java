package io.github.redlock;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown by {@link LockResult#leaseOrThrow()} when a lock was not acquired; says why, node by node. */
public class LockNotAcquiredException extends RedlockException {

    private static final long serialVersionUID = 1L;

    private final String resource;
    private final LockFailure failure;
    private final transient List<NodeOutcome> nodes;

    public LockNotAcquiredException(String resource, LockFailure failure, List<NodeOutcome> nodes) {
        super("Lock on '" + LockRequest.shown(resource) + "' not acquired (" + failure.name().toLowerCase(java.util.Locale.ROOT)
                + "): " + nodes.stream().map(NodeOutcome::toString).collect(Collectors.joining(", ")));
        this.resource = resource;
        this.failure = failure;
        this.nodes = List.copyOf(nodes);
    }

    public String resource() {
        return resource;
    }

    public LockFailure failure() {
        return failure;
    }

    /** What each node did in the last attempt. */
    public List<NodeOutcome> nodes() {
        return nodes;
    }
}
