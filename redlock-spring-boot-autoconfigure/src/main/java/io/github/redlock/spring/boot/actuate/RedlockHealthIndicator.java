package io.github.redlock.spring.boot.actuate;

import io.github.redlock.Redlock;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code redlock} health on Spring Boot 4: UP when at least a quorum of the Redis nodes answer PING
 * within the per-node timeout ({@code redlock.timeout}), DOWN otherwise. Details list each node
 * (address without password), whether it is up, its PING latency or its error, and the quorum
 * (see {@link RedlockNodesCheck}).
 */
public class RedlockHealthIndicator implements HealthIndicator {

    private final Redlock redlock;

    public RedlockHealthIndicator(Redlock redlock) {
        this.redlock = redlock;
    }

    @Override
    public Health health() {
        RedlockNodesCheck check = RedlockNodesCheck.run(redlock);
        return (check.isUp() ? Health.up() : Health.down()).withDetails(check.getDetails()).build();
    }
}
