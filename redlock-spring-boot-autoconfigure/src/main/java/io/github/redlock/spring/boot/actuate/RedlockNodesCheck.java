package io.github.redlock.spring.boot.actuate;

import io.github.redlock.NodeHealth;
import io.github.redlock.Redlock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One check of the Redis nodes as the {@code redlock} health reports it, free of Spring Boot's
 * health types so that the indicators of every Boot line (Boot 4's {@link RedlockHealthIndicator},
 * and the one for Boot 3.5's Actuator) report the same. UP when at least a quorum of the nodes
 * answer PING within the per-node timeout; the details hold the quorum, how many nodes are up, and
 * each node (address without password), whether it is up, its PING latency or its error.
 */
public final class RedlockNodesCheck {

    private final boolean up;
    private final Map<String, Object> details;

    private RedlockNodesCheck(boolean up, Map<String, Object> details) {
        this.up = up;
        this.details = details;
    }

    /** PINGs every node now (each bounded by {@code redlock.timeout}). */
    public static RedlockNodesCheck run(Redlock redlock) {
        List<NodeHealth> nodes = redlock.checkNodes();
        int quorum = redlock.quorum();
        long up = nodes.stream().filter(NodeHealth::up).count();
        List<Map<String, Object>> nodeDetails = new ArrayList<>(nodes.size());
        for (NodeHealth node : nodes) {
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("node", node.node());
            detail.put("status", node.up() ? "UP" : "DOWN");
            if (node.latency() != null) {
                detail.put("latencyMillis", node.latency().toNanos() / 1_000_000.0);
            }
            if (node.error() != null) {
                detail.put("error", node.error());
            }
            nodeDetails.add(detail);
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("quorum", quorum);
        details.put("up", up);
        details.put("nodes", nodeDetails);
        return new RedlockNodesCheck(up >= quorum, Collections.unmodifiableMap(details));
    }

    /** Whether at least a quorum of the nodes answered. */
    public boolean isUp() {
        return up;
    }

    /** {@code quorum}, {@code up} and {@code nodes}, in that order. */
    public Map<String, Object> getDetails() {
        return details;
    }
}
