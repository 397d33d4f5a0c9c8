package io.github.redlock.integration.boot;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code redlockLeader} health: always UP (leading or not is no fault); its details say which roles
 * this instance leads ({@code leading}) and, per role, whether it does ({@code roles}).
 */
public class RedlockLeaderHealthIndicator implements HealthIndicator {

    private final RedlockLeaderInitiators initiators;

    public RedlockLeaderHealthIndicator(RedlockLeaderInitiators initiators) {
        this.initiators = initiators;
    }

    @Override
    public Health health() {
        Map<String, Boolean> roles = new LinkedHashMap<>();
        initiators.roles().forEach(role -> roles.put(role, initiators.isLeader(role)));
        return Health.up().withDetail("leading", initiators.leading()).withDetail("roles", roles).build();
    }
}
