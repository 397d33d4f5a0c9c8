package io.github.redlock.benchmarks;

import io.github.redlock.Lease;
import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.RedlockListener;
import io.github.redlock.spring.boot.actuate.RedlockMetrics;
import io.github.redlock.spring.boot.autoconfigure.DistributedLockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockMetricsAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockObservationAutoConfiguration;
import io.github.redlock.spring.support.DistributedLockListener;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The baseline's side of {@code PairedCheck --observed --baseline JAR}, added to the code before
 * issue 22 (2cb96ca) by benchmarks/baseline/build.sh: the same context as the current tree's
 * {@code ObservedSide} (the starter, Boot's MetricsAutoConfiguration and ObservationAutoConfiguration
 * with a SimpleMeterRegistry, the {@code @DistributedLock} bean), its telemetry turned on and off
 * between calls. Then the advice made its own observations (through the ObservationRegistry) and
 * RedlockMetrics was both a RedlockListener (counters) and a DistributedLockListener (timers): the
 * gate wraps all three. Off, the advice's observations see a no-op registry.
 */
public final class ObservedSide implements BiPredicate<String, Boolean>, AutoCloseable {

    private static final Runnable NOTHING = () -> { };
    private static volatile boolean on = true;

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({RedlockAutoConfiguration.class, DistributedLockAutoConfiguration.class,
            MetricsAutoConfiguration.class, RedlockMetricsAutoConfiguration.class,
            ObservationAutoConfiguration.class, RedlockObservationAutoConfiguration.class})
    static class GatedApp {
        @Bean
        SpringAdviceTarget.Work work() {
            return new SpringAdviceTarget.Work();
        }

        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        static BeanPostProcessor gate() {
            return new BeanPostProcessor() {
                @Override
                public Object postProcessAfterInitialization(Object bean, String beanName) {
                    if (bean instanceof RedlockMetrics metrics) {
                        return new GatedMetrics(metrics);
                    }
                    if (bean instanceof RedlockListener listener) {
                        return new GatedListener(listener);
                    }
                    if (bean instanceof ObservationRegistry registry) {
                        return new GatedRegistry(registry);
                    }
                    return bean;
                }
            };
        }
    }

    private final ConfigurableApplicationContext context;
    private final SpringAdviceTarget.Work work;

    public ObservedSide(List<String> uris) {
        this.context = new SpringApplicationBuilder(GatedApp.class)
                .web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .properties(Map.of(
                        "redlock.servers", String.join(",", uris),
                        "redlock.timeout", Settings.NODE_TIMEOUT.toMillis() + "ms",
                        "redlock.connect-timeout", Settings.CONNECT_TIMEOUT.toMillis() + "ms",
                        "redlock.retry-count", "0",
                        "spring.main.banner-mode", "off"))
                .run();
        this.work = context.getBean(SpringAdviceTarget.Work.class);
    }

    /** One {@code @DistributedLock} call on {@code resource}, with or without telemetry; whether it ran. */
    @Override
    public boolean test(String resource, Boolean telemetry) {
        on = telemetry;
        return Boolean.TRUE.equals(work.run(resource, NOTHING));
    }

    @Override
    public void close() {
        context.close();
    }

    private record GatedListener(RedlockListener delegate) implements RedlockListener {
        @Override
        public Consumer<LockResult> acquiring(LockRequest request) {
            return on ? delegate.acquiring(request) : result -> { };
        }

        @Override
        public Running running(LockRequest request, Lease lease) {
            return on ? delegate.running(request, lease) : Running.IGNORED;
        }

        @Override
        public void notAttempted(String name, Map<String, String> tags, @Nullable Throwable error) {
            if (on) {
                delegate.notAttempted(name, tags, error);
            }
        }

        @Override
        public void released(Release release) {
            if (on) {
                delegate.released(release);
            }
        }

        @Override
        public void renewed(Renewal renewal) {
            if (on) {
                delegate.renewed(renewal);
            }
        }

        @Override
        public void filledIn(FillInRound round) {
            if (on) {
                delegate.filledIn(round);
            }
        }
    }

    private static final class GatedMetrics implements RedlockListener, DistributedLockListener {
        private final RedlockListener engine;
        private final DistributedLockListener advice;

        GatedMetrics(RedlockMetrics metrics) {
            this.engine = new GatedListener(metrics);
            this.advice = metrics;
        }

        @Override
        public Consumer<LockResult> acquiring(LockRequest request) {
            return engine.acquiring(request);
        }

        @Override
        public Running running(LockRequest request, Lease lease) {
            return engine.running(request, lease);
        }

        @Override
        public void notAttempted(String name, Map<String, String> tags, @Nullable Throwable error) {
            engine.notAttempted(name, tags, error);
        }

        @Override
        public void released(Release release) {
            engine.released(release);
        }

        @Override
        public void renewed(Renewal renewal) {
            engine.renewed(renewal);
        }

        @Override
        public void filledIn(FillInRound round) {
            engine.filledIn(round);
        }

        @Override
        public void acquired(String resource, Duration latency) {
            if (on) {
                advice.acquired(resource, latency);
            }
        }

        @Override
        public void notAcquired(String resource, FailureReason reason, Duration latency) {
            if (on) {
                advice.notAcquired(resource, reason, latency);
            }
        }

        @Override
        public void notAttempted(String resource, FailureReason reason, Duration latency) {
            if (on) {
                advice.notAttempted(resource, reason, latency);
            }
        }

        @Override
        public Runnable running(String resource) {
            return on ? advice.running(resource) : () -> { };
        }

        @Override
        public void expired(String resource) {
            if (on) {
                advice.expired(resource);
            }
        }
    }

    /** Off, a no-op registry to whoever asks: observations of the advice are then not made. */
    private record GatedRegistry(ObservationRegistry delegate) implements ObservationRegistry {
        @Override
        public @Nullable Observation getCurrentObservation() {
            return delegate.getCurrentObservation();
        }

        @Override
        public Observation.@Nullable Scope getCurrentObservationScope() {
            return delegate.getCurrentObservationScope();
        }

        @Override
        public void setCurrentObservationScope(Observation.@Nullable Scope current) {
            delegate.setCurrentObservationScope(current);
        }

        @Override
        public ObservationConfig observationConfig() {
            return delegate.observationConfig();
        }

        @Override
        public boolean isNoop() {
            return !on || delegate.isNoop();
        }
    }
}
