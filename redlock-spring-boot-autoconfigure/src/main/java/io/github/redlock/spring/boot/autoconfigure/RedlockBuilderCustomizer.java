package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.Redlock;

/**
 * Adjusts the auto-configured {@link Redlock} before it is built, after the {@code redlock.*}
 * properties have been applied, without replacing the bean. Every customizer bean is applied, in
 * {@code @Order}.
 *
 * <pre>{@code
 * @Bean
 * RedlockBuilderCustomizer lockKeysUnderPrefix() {
 *     return builder -> builder.keyPrefix("locks:");
 * }
 * }</pre>
 */
@FunctionalInterface
public interface RedlockBuilderCustomizer {

    /** Changes settings of {@code builder}; do not call {@code build()}. */
    void customize(Redlock.Builder builder);
}
