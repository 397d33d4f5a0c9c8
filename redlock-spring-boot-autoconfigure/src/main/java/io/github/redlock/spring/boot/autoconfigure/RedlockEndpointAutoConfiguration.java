package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.Redlock;
import io.github.redlock.spring.boot.actuate.RedlockEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * The read-only {@code redlock} Actuator endpoint, when Actuator is on the classpath, there is one
 * {@link Redlock}, and the endpoint is exposed ({@code management.endpoints.web.exposure.include=redlock}).
 */
@AutoConfiguration(after = RedlockAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnSingleCandidate(Redlock.class)
@ConditionalOnAvailableEndpoint(RedlockEndpoint.class)
public final class RedlockEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    RedlockEndpoint redlockEndpoint(Redlock redlock) {
        return new RedlockEndpoint(redlock);
    }
}
