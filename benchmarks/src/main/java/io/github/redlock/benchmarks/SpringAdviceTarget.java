package io.github.redlock.benchmarks;

import io.github.redlock.Lease;
import io.github.redlock.LockResult;
import io.github.redlock.Redlock;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.boot.autoconfigure.DistributedLockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockMetricsAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockObservationAutoConfiguration;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The Spring layer's cost: a Spring Boot context with the starter's auto-configuration (engine and
 * {@code @DistributedLock} advice; no Micrometer, no Actuator), and either a call to an annotated
 * method ({@code springAdvice}) or the same work done by calling that context's engine bean
 * directly ({@code springDirect}): {@code tryLock}, run, {@code release}. Same engine, same nodes,
 * same settings, so the difference is the advice: proxy, SpEL key, interceptor, listener.
 * {@code springObserved} is the advice with what an application with Actuator adds: the meters
 * and the lock observations in Boot's {@code ObservationRegistry}, whose meter handlers make timers of
 * them.
 */
final class SpringAdviceTarget implements LockTarget {

    /** The annotated bean: the lock key is the method's first argument, evaluated per call. */
    public static class Work {
        @DistributedLock(resource = "#{#resource}", ttl = 10_000, timeUnit = TimeUnit.MILLISECONDS)
        public Boolean run(String resource, Runnable section) {
            section.run();
            return Boolean.TRUE;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({RedlockAutoConfiguration.class, DistributedLockAutoConfiguration.class})
    static class App {
        @Bean
        Work work() {
            return new Work();
        }
    }

    /** With a {@code MeterRegistry}, as with Micrometer and no Actuator: the counters. */
    @Configuration(proxyBeanMethods = false)
    @Import(App.class)
    @ImportAutoConfiguration({MetricsAutoConfiguration.class, RedlockMetricsAutoConfiguration.class})
    static class MeteredApp {
        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    /**
     * What an application with Actuator has: also Boot's {@code ObservationRegistry}, with the
     * observation handlers Boot registers (its meter handler makes the timers).
     */
    @Configuration(proxyBeanMethods = false)
    @Import(MeteredApp.class)
    @ImportAutoConfiguration({ObservationAutoConfiguration.class, RedlockObservationAutoConfiguration.class})
    static class ObservedApp {
    }

    /** {@link ObservedApp} whose telemetry is turned on and off between calls ({@link GatedTelemetry}). */
    @Configuration(proxyBeanMethods = false)
    @Import(ObservedApp.class)
    static class GatedApp {
        @Bean
        static GatedTelemetry gatedTelemetry() {
            return new GatedTelemetry();
        }
    }

    /** What the context has besides the engine and the advice. */
    enum Telemetry {
        NONE(App.class), METERS(MeteredApp.class), OBSERVED(ObservedApp.class), GATED(GatedApp.class);

        private final Class<?> app;

        Telemetry(Class<?> app) {
            this.app = app;
        }
    }

    private final boolean advised;
    private final ConfigurableApplicationContext context;
    private final Redlock redlock;
    private final Work work;

    SpringAdviceTarget(List<String> uris, boolean advised) {
        this(uris, advised, false);
    }

    /** @param observed with meters and observations (as with Actuator), for {@code springObserved} */
    SpringAdviceTarget(List<String> uris, boolean advised, boolean observed) {
        this(uris, advised, observed ? Telemetry.OBSERVED : Telemetry.NONE);
    }

    SpringAdviceTarget(List<String> uris, boolean advised, Telemetry telemetry) {
        this.advised = advised;
        this.context = new SpringApplicationBuilder(telemetry.app)
                .web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .properties(Map.of(
                        "redlock.servers", String.join(",", uris),
                        "redlock.timeout", Settings.NODE_TIMEOUT.toMillis() + "ms",
                        "redlock.connect-timeout", Settings.CONNECT_TIMEOUT.toMillis() + "ms",
                        "redlock.retry-count", "0",
                        "spring.main.banner-mode", "off"))
                .run();
        this.redlock = context.getBean(Redlock.class);
        this.work = context.getBean(Work.class);
    }

    @Override
    public boolean cycle(String resource, Runnable section) {
        return cycle(resource, section, advised);
    }

    private boolean cycle(String resource, Runnable section, boolean advised) {
        if (advised) {
            return Boolean.TRUE.equals(work.run(resource, section));
        }
        LockResult result = redlock.tryLock(resource, Settings.TTL, Duration.ZERO);
        if (!result.isAcquired()) {
            return false;
        }
        Lease lease = result.leaseOrThrow();
        try {
            section.run();
        } finally {
            redlock.release(lease);
        }
        return true;
    }

    /** The advice with the {@link GatedTelemetry} at {@code level} ({@link Telemetry#GATED}); closing it does nothing. */
    LockTarget gated(GatedTelemetry.Level level) {
        SpringAdviceTarget self = this;
        return new LockTarget() {
            @Override
            public boolean cycle(String resource, Runnable section) {
                GatedTelemetry.set(level);
                return self.cycle(resource, section, true);
            }

            @Override
            public void close() {
            }
        };
    }

    /** The other way of calling, over the same context (for {@link PairedCheck}); closing it does nothing. */
    LockTarget sibling() {
        SpringAdviceTarget self = this;
        return new LockTarget() {
            @Override
            public boolean cycle(String resource, Runnable section) {
                return self.cycle(resource, section, !advised);
            }

            @Override
            public void close() {
            }
        };
    }

    ConfigurableApplicationContext context() {
        return context;
    }

    @Override
    public void close() {
        context.close();
    }
}
