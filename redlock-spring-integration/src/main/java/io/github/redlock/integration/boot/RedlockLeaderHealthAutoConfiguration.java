package io.github.redlock.integration.boot;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code redlockLeader} health indicator, showing which roles this instance leads, when Spring
 * Boot's health support is on the class path and leader election runs. Disable it with
 * {@code management.health.redlock-leader.enabled=false}.
 */
@AutoConfiguration(after = RedlockIntegrationAutoConfiguration.class)
@ConditionalOnClass({ HealthIndicator.class, RedlockLeaderInitiators.class })
@ConditionalOnSingleCandidate(RedlockLeaderInitiators.class)
@ConditionalOnEnabledHealthIndicator("redlock-leader")
public final class RedlockLeaderHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "redlockLeaderHealthIndicator")
    RedlockLeaderHealthIndicator redlockLeaderHealthIndicator(RedlockLeaderInitiators initiators) {
        return new RedlockLeaderHealthIndicator(initiators);
    }
}
