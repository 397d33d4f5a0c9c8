package io.github.redlock.spring.boot3.actuate;

import io.github.redlock.Redlock;
import io.github.redlock.spring.boot.actuate.RedlockNodesCheck;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * {@code redlock} health on Spring Boot 3.5: the same report as Boot 4's
 * {@link io.github.redlock.spring.boot.actuate.RedlockHealthIndicator}, UP when at least a quorum
 * of the Redis nodes answer PING within {@code redlock.timeout}, DOWN otherwise (see
 * {@link RedlockNodesCheck}).
 */
public class RedlockBoot3HealthIndicator implements HealthIndicator {

    private final Redlock redlock;

    public RedlockBoot3HealthIndicator(Redlock redlock) {
        this.redlock = redlock;
    }

    @Override
    public Health health() {
        RedlockNodesCheck check = RedlockNodesCheck.run(redlock);
        return (check.isUp() ? Health.up() : Health.down()).withDetails(check.getDetails()).build();
    }
}
