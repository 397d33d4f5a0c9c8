package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.Redlock;
import io.github.redlock.spring.boot.actuate.RedlockHealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;

/**
 * The {@code redlock} health indicator, when Spring Boot's health support is on the classpath and
 * there is one {@link Redlock}. Disable it with {@code management.health.redlock.enabled=false}.
 * It is part of {@code /actuator/health}, never of Boot's liveness and readiness groups unless
 * included there ({@code management.endpoint.health.group.readiness.include=readinessState,redlock});
 * {@code redlock.health.quorum-lost-status} is what it reports while the quorum is lost.
 */
@AutoConfiguration(after = RedlockAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnSingleCandidate(Redlock.class)
@ConditionalOnEnabledHealthIndicator("redlock")
public final class RedlockHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "redlockHealthIndicator")
    RedlockHealthIndicator redlockHealthIndicator(Redlock redlock, ObjectProvider<RedlockProperties> properties) {
        return new RedlockHealthIndicator(redlock, RedlockProperties.quorumLostStatus(properties.getIfAvailable()));
    }
}
