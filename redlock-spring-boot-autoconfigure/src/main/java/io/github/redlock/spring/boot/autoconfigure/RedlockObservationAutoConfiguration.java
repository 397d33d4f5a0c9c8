package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.spring.observation.LockAcquireObservationConvention;
import io.github.redlock.spring.observation.LockHoldObservationConvention;
import io.github.redlock.spring.observation.LockMeterObservationHandler;
import io.github.redlock.spring.observation.LockObservations;
import io.github.redlock.spring.observation.RedlockObservationListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler.IgnoredMeters;
import io.micrometer.core.instrument.observation.MeterObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;

/**
 * Micrometer Observations of locks ({@code redlock.lock.acquire}, {@code redlock.lock.hold}) in the
 * application's {@link ObservationRegistry}, so that they reach its metrics and traces: for every
 * {@code @DistributedLock} call and every lock call on the Redlock bean. A
 * {@link LockAcquireObservationConvention} or {@link LockHoldObservationConvention} bean replaces
 * the default names and key values.
 *
 * <p>When the application turns observations into meters (it has a {@link MeterObservationHandler}
 * bean, as Boot's {@code DefaultMeterObservationHandler} with Actuator), a
 * {@link LockMeterObservationHandler} makes the lock observations' meters instead, the same meters at a
 * fraction of the cost per call: Boot puts it ahead of its own handler, which keeps every other
 * observation. Boot's {@code ignored-meters=long-task-timer} leaves out its long-task timers too. Not
 * on Boot 3.5 with tracing, whose exemplars come from a wrapper of Boot's own handler.
 */
@AutoConfiguration(afterName = {
        // Boot 4
        "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
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

    /** The lock observations' meters, where the application makes meters of observations. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterObservationHandler.class)
    @ConditionalOnBean({MeterRegistry.class, MeterObservationHandler.class})
    // Boot 3.5 with tracing: its exemplar-making wrapper is a bean that wraps its own handler only.
    @ConditionalOnMissingBean(type = "io.micrometer.tracing.handler.TracingAwareMeterObservationHandler")
    static class LockMeters {

        /** Ahead of handlers without an order, such as Boot's {@code DefaultMeterObservationHandler}. */
        @Bean
        @ConditionalOnMissingBean
        @Order(Ordered.LOWEST_PRECEDENCE - 100)
        LockMeterObservationHandler lockMeterObservationHandler(MeterRegistry registry, Environment environment) {
            return new LockMeterObservationHandler(registry, longTaskTimers(environment));
        }

        /** What Boot's {@code DefaultMeterObservationHandler} is told: Boot 4's property, then Boot 3.5's. */
        static boolean longTaskTimers(Environment environment) {
            Binder binder = Binder.get(environment);
            boolean ignored = binder.bind("management.metrics.observations.ignored-meters", Bindable.setOf(IgnoredMeters.class))
                    .orElse(Set.of()).contains(IgnoredMeters.LONG_TASK_TIMER);
            return !ignored && binder.bind("management.observations.long-task-timer.enabled", Boolean.class).orElse(true);
        }
    }
}
