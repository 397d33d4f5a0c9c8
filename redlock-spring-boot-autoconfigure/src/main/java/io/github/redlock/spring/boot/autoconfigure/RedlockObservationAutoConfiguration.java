package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.spring.observation.LockAcquireObservationConvention;
import io.github.redlock.spring.observation.LockHoldObservationConvention;
import io.github.redlock.spring.observation.LockObservations;
import io.github.redlock.spring.observation.RedlockObservationListener;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer Observations of locks ({@code redlock.lock.acquire}, {@code redlock.lock.hold}) in the
 * application's {@link ObservationRegistry}, so that they reach its metrics and traces: for every
 * {@code @DistributedLock} call and every lock call on the Redlock bean. A
 * {@link LockAcquireObservationConvention} or {@link LockHoldObservationConvention} bean replaces
 * the default names and key values.
 */
@AutoConfiguration(afterName = {
        // Boot 4
        "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
        // Boot 3.5
        "org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration" })
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean(ObservationRegistry.class)
public final class RedlockObservationAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    LockObservations lockObservations(ObservationRegistry registry,
            ObjectProvider<LockAcquireObservationConvention> acquireConvention,
            ObjectProvider<LockHoldObservationConvention> holdConvention) {
        return new LockObservations(registry, acquireConvention.getIfUnique(), holdConvention.getIfUnique());
    }

    @Bean
    @ConditionalOnMissingBean
    RedlockObservationListener redlockObservationListener(LockObservations observations) {
        return new RedlockObservationListener(observations);
    }
}
