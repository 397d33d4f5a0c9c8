package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.Redlock;
import io.github.redlock.spring.boot.actuate.RedlockHealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code redlock} health indicator, when Spring Boot's health support is on the classpath and
 * there is one {@link Redlock}. Disable it with {@code management.health.redlock.enabled=false}.
 */
@AutoConfiguration(after = RedlockAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnSingleCandidate(Redlock.class)
@ConditionalOnEnabledHealthIndicator("redlock")
public final class RedlockHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "redlockHealthIndicator")
    RedlockHealthIndicator redlockHealthIndicator(Redlock redlock) {
        return new RedlockHealthIndicator(redlock);
    }
}
