package io.github.redlock;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown when building a {@link Redlock} while fewer than a quorum of its nodes can be reached
 * (see {@link RedlockOptions#requireQuorumOnStartup()}); lists each node's error.
 */
public class RedlockConnectionException extends RedlockException {

    private static final long serialVersionUID = 1L;

    private final transient List<NodeOutcome> nodes;

    public RedlockConnectionException(int quorum, List<NodeOutcome> nodes) {
        super("Only " + nodes.stream().filter(n -> n.status() == NodeStatus.OK).count() + " of " + nodes.size()
                + " Redis nodes could be reached, a quorum needs " + quorum + ": "
                + nodes.stream().map(NodeOutcome::toString).collect(Collectors.joining(", "))
                + ". Start the missing nodes, fix their addresses, or set requireQuorumOnStartup(false)"
                + " to start anyway and connect them later.");
        this.nodes = List.copyOf(nodes);
    }

    public List<NodeOutcome> nodes() {
        return nodes;
    }
}
