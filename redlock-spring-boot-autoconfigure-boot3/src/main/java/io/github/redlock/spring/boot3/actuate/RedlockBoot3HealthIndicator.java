package io.github.redlock.spring.boot3.actuate;

import io.github.redlock.Redlock;
import io.github.redlock.spring.boot.actuate.RedlockNodesCheck;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;

/**
 * {@code redlock} health on Spring Boot 3.5: the same report as Boot 4's
 * {@link io.github.redlock.spring.boot.actuate.RedlockHealthIndicator}, UP when at least a quorum
 * of the Redis nodes answer PING within {@code redlock.timeout}, DOWN otherwise (see
 * {@link RedlockNodesCheck}).
 */
public class RedlockBoot3HealthIndicator implements HealthIndicator {

    private final Redlock redlock;
    private final Status quorumLost;

    /** Reports {@link Status#DOWN} while the quorum is lost. */
    public RedlockBoot3HealthIndicator(Redlock redlock) {
        this(redlock, Status.DOWN.getCode());
    }

    /**
     * @param quorumLostStatus the status code reported while fewer than a quorum of nodes answer
     *        ({@code redlock.health.quorum-lost-status}, DOWN by default)
     */
    public RedlockBoot3HealthIndicator(Redlock redlock, String quorumLostStatus) {
        this.redlock = redlock;
        this.quorumLost = new Status(quorumLostStatus.strip().toUpperCase(java.util.Locale.ROOT));
    }

    @Override
    public Health health() {
        RedlockNodesCheck check = RedlockNodesCheck.run(redlock);
        return (check.isUp() ? Health.up() : Health.status(quorumLost)).withDetails(check.getDetails()).build();
    }
}
