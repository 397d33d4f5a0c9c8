package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.Redlock;
import io.github.redlock.spring.boot.actuate.RedlockMetrics;
import io.github.redlock.spring.boot.actuate.RedlockNodeMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer counters of lock calls, through {@code @DistributedLock} or directly on a Redlock bean
 * ({@code redlock.acquisitions}, {@code redlock.failures}, {@code redlock.reentries},
 * {@code redlock.expired}, {@code redlock.releases}, {@code redlock.renewals}; see
 * {@link RedlockMetrics}: a {@code RedlockListener}, the only path of lock events; the lock timers come
 * from the observations of {@link RedlockObservationAutoConfiguration}) and gauges of the Redis nodes ({@code redlock.nodes.up},
 * {@code redlock.nodes.quorum}, {@code redlock.node.up}, {@code redlock.fillins}), when Micrometer
 * is on the classpath and the application has a {@link MeterRegistry}.
 */
@AutoConfiguration(after = RedlockAutoConfiguration.class, afterName = {
        // Boot 4
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        // Boot 3.5: without these, this ran before the registry existed and added no meters
        "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(MeterRegistry.class)
public final class RedlockMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    RedlockMetrics redlockMetrics(MeterRegistry registry) {
        return new RedlockMetrics(registry);
    }

    @Bean
    @ConditionalOnBean(Redlock.class)
    @ConditionalOnMissingBean
    RedlockNodeMetrics redlockNodeMetrics(Redlock redlock) {
        return new RedlockNodeMetrics(redlock);
    }
}
