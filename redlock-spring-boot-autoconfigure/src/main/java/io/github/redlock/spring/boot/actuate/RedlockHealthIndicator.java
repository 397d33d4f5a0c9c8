package io.github.redlock.spring.boot.actuate;

import io.github.redlock.Redlock;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * {@code redlock} health on Spring Boot 4: UP when at least a quorum of the Redis nodes answer PING
 * within the per-node timeout ({@code redlock.timeout}), DOWN otherwise. Details list each node
 * (address without password), whether it is up, its PING latency or its error, and the quorum
 * (see {@link RedlockNodesCheck}).
 */
public class RedlockHealthIndicator implements HealthIndicator {

    private final Redlock redlock;
    private final Status quorumLost;

    /** Reports {@link Status#DOWN} while the quorum is lost. */
    public RedlockHealthIndicator(Redlock redlock) {
        this(redlock, Status.DOWN.getCode());
    }

    /**
     * @param quorumLostStatus the status code reported while fewer than a quorum of nodes answer
     *        ({@code redlock.health.quorum-lost-status}, DOWN by default)
     */
    public RedlockHealthIndicator(Redlock redlock, String quorumLostStatus) {
        this.redlock = redlock;
        this.quorumLost = new Status(quorumLostStatus.strip().toUpperCase(java.util.Locale.ROOT));
    }

    @Override
    public Health health() {
        RedlockNodesCheck check = RedlockNodesCheck.run(redlock);
        return (check.isUp() ? Health.up() : Health.status(quorumLost)).withDetails(check.getDetails()).build();
    }
}
