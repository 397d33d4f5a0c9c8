package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.spring.boot.actuate.RedlockServersSanitizingFunction;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * Keeps the passwords of {@code redlock.servers} out of Actuator's {@code env} and
 * {@code configprops} endpoints, whatever their {@code show-values} setting, when Actuator is on
 * the classpath (Boot applies every {@link SanitizingFunction} bean to both).
 */
@AutoConfiguration
@ConditionalOnClass(SanitizingFunction.class)
public final class RedlockSanitizingAutoConfiguration {

    @Bean
    static RedlockServersSanitizingFunction redlockServersSanitizingFunction() {
        return new RedlockServersSanitizingFunction();
    }
}
