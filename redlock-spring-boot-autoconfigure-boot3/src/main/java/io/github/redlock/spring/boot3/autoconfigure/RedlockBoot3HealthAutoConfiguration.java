package io.github.redlock.spring.boot3.autoconfigure;

import io.github.redlock.Redlock;
import io.github.redlock.spring.boot3.actuate.RedlockBoot3HealthIndicator;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import io.github.redlock.spring.boot.autoconfigure.RedlockProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;

/**
 * The {@code redlock} health indicator on Spring Boot 3.5 (its {@code HealthIndicator} type, which
 * Boot 4 moved to another package and module), when there is one {@link Redlock}. Disable it with
 * {@code management.health.redlock.enabled=false}, as on Boot 4.
 */
@AutoConfiguration(afterName = "io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration")
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnSingleCandidate(Redlock.class)
@ConditionalOnEnabledHealthIndicator("redlock")
public final class RedlockBoot3HealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "redlockHealthIndicator")
    RedlockBoot3HealthIndicator redlockHealthIndicator(Redlock redlock, ObjectProvider<RedlockProperties> properties) {
        return new RedlockBoot3HealthIndicator(redlock, RedlockProperties.quorumLostStatus(properties.getIfAvailable()));
    }
}
