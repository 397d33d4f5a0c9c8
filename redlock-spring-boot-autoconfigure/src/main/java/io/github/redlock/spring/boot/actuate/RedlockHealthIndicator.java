package io.github.redlock.spring.boot.actuate;

import io.github.redlock.NodeHealth;
import io.github.redlock.Redlock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code redlock} health: UP when at least a quorum of the Redis nodes answer PING within the
 * per-node timeout ({@code redlock.timeout}), DOWN otherwise. Details list each node (address
 * without password), whether it is up, its PING latency or its error, and the quorum.
 */
public class RedlockHealthIndicator implements HealthIndicator {

    private final Redlock redlock;

    public RedlockHealthIndicator(Redlock redlock) {
        this.redlock = redlock;
    }

    @Override
    public Health health() {
        List<NodeHealth> nodes = redlock.checkNodes();
        int quorum = redlock.quorum();
        long up = nodes.stream().filter(NodeHealth::up).count();
        List<Map<String, Object>> details = new ArrayList<>(nodes.size());
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
            details.add(detail);
        }
        Health.Builder health = up >= quorum ? Health.up() : Health.down();
        return health.withDetail("quorum", quorum)
                .withDetail("up", up)
                .withDetail("nodes", details)
                .build();
    }
}
