package io.github.redlock.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import io.github.redlock.LockNotAcquiredException;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.LockFailurePolicy;
import io.github.redlock.spring.support.DistributedLockAdvisor;
import io.github.redlock.spring.support.DistributedLockInterceptor;
import io.github.redlock.spring.support.DistributedLockOperationSource;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.mock.env.MockEnvironment;

/** The advice's auto-configuration, without Redis: what happens when no Redlock is configured. */
@ExtendWith(OutputCaptureExtension.class)
class DistributedLockAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RedlockAutoConfiguration.class, DistributedLockAutoConfiguration.class))
            .withUserConfiguration(JobsConfiguration.class);

    static class Jobs {

        final AtomicInteger runs = new AtomicInteger();

        @DistributedLock(resource = "void-job")
        public void voidJob() {
            runs.incrementAndGet();
        }

        @DistributedLock(resource = "optional-job")
        public Optional<String> optionalJob() {
            runs.incrementAndGet();
            return Optional.of("ran");
        }

        @DistributedLock(resource = "value-job")
        public String valueJob() {
            runs.incrementAndGet();
            return "ran";
        }

        @DistributedLock(resource = "throwing-job", onFailure = LockFailurePolicy.THROW)
        public int throwingJob() {
            runs.incrementAndGet();
            return 1;
        }

        public String notLocked() {
            return "free";
        }

        public int runs() {
            return runs.get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class JobsConfiguration {

        @Bean
        Jobs jobs() {
            return new Jobs();
        }
    }

    static class InvalidJobs {

        @DistributedLock(resource = "report:#{#day.}")
        public void report(String day) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class InvalidJobsConfiguration {

        @Bean
        InvalidJobs invalidJobs() {
            return new InvalidJobs();
        }
    }

    @Test
    void advisorIsRegisteredWithAnOrderOutsideTransactions() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(DistributedLockAdvisor.class);
            int order = context.getBean(DistributedLockAdvisor.class).getOrder();
            assertThat(order).isEqualTo(Ordered.LOWEST_PRECEDENCE - 100).isLessThan(Ordered.LOWEST_PRECEDENCE);
        });
    }

    @Test
    void advisorOrderIsConfigurable() {
        runner.withPropertyValues("redlock.advice.order=42")
                .run(context -> assertThat(context.getBean(DistributedLockAdvisor.class).getOrder()).isEqualTo(42));
    }

    @Test
    void annotatedBeansAreProxiedWithoutBootsAopAutoConfiguration() {
        runner.run(context -> assertThat(AopUtils.isAopProxy(context.getBean(Jobs.class))).isTrue());
    }

    @Test
    void annotatedBeansAreClassProxiedWithBootsAopAutoConfiguration() {
        runner.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class))
                .run(context -> assertThat(AopUtils.isCglibProxy(context.getBean(Jobs.class))).isTrue());
    }

    @Test
    void invalidDeclarationStopsTheContextNamingClassMethodAndFix() {
        runner.withUserConfiguration(InvalidJobsConfiguration.class).run(context -> assertThat(context).getFailure()
                .rootCause().isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Invalid @DistributedLock on " + InvalidJobs.class.getName() + ".report(String)")
                .hasMessageContaining("not a valid SpEL template").hasMessageContaining("#{...}"));
    }

    @Test
    void withoutRedlockSkippedMethodsNeverRunAndReturnTheSkipValue(CapturedOutput output) {
        runner.run(context -> {
            Jobs jobs = context.getBean(Jobs.class);
            jobs.voidJob();
            jobs.voidJob();
            assertThat(jobs.optionalJob()).isEmpty();
            assertThat(jobs.valueJob()).isNull();
            assertThat(jobs.notLocked()).isEqualTo("free");
            assertThat(jobs.runs()).isZero();
            assertThat(output).containsOnlyOnce("@DistributedLock method " + Jobs.class.getName() + ".voidJob() is skipped");
        });
    }

    @Test
    void withoutRedlockThrowPolicyThrows() {
        runner.withPropertyValues("redlock.enabled=false").run(context -> {
            Jobs jobs = context.getBean(Jobs.class);
            assertThatExceptionOfType(LockNotAcquiredException.class).isThrownBy(jobs::throwingJob)
                    .withMessageContaining("throwing-job").withMessageContaining("unavailable");
            assertThat(jobs.runs()).isZero();
        });
    }

    @Test
    void invalidDefaultTtlIsRejectedNamingTheProperty() {
        runner.withPropertyValues("redlock.default-ttl=0s").run(context -> assertThat(context).getFailure().rootCause()
                .isInstanceOf(InvalidRedlockPropertyException.class).hasMessageContaining("redlock.default-ttl"));
    }

    /** With drift-factor 0.5 a 4 ms TTL keeps 4 - (2 + 2) = 0 ms: never grantable, so 5 ms is the floor. */
    @Test
    void theTtlFloorFollowsTheConfiguredDriftFactor() {
        runner.withPropertyValues("redlock.drift-factor=0.5", "redlock.default-ttl=4ms")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(InvalidRedlockPropertyException.class)
                        .hasMessageContaining("redlock.default-ttl: must be at least 5 ms"));
        runner.withPropertyValues("redlock.drift-factor=0.5").withUserConfiguration(TinyTtlConfiguration.class)
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("tiny()").hasMessageContaining("ttl must be at least 5 ms"));
        runner.withPropertyValues("redlock.drift-factor=0.5", "redlock.default-ttl=5ms")
                .withUserConfiguration(FiveMillisecondsConfiguration.class)
                .run(context -> assertThat(context).hasNotFailed());
    }

    /**
     * An application-defined Redlock with drift factor 0.5 needs at least 5 ms, whatever
     * {@code redlock.drift-factor} says (here its default, whose floor is 3 ms): a 4 ms method stops
     * the startup, named.
     */
    @Test
    void theTtlFloorFollowsAnApplicationDefinedRedlocksDriftFactor() {
        runner.withUserConfiguration(LargeDriftRedlockConfiguration.class, TinyTtlConfiguration.class)
                .run(context -> assertThat(context).getFailure()
                        .isInstanceOf(io.github.redlock.spring.InvalidDistributedLockException.class)
                        .hasMessageContaining(TinyTtlJob.class.getName() + ".tiny()")
                        .hasMessageContaining("ttl must be at least 5 ms"));
        runner.withUserConfiguration(LargeDriftRedlockConfiguration.class, FiveMillisecondsConfiguration.class)
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Configuration(proxyBeanMethods = false)
    static class LargeDriftRedlockConfiguration {

        @Bean(destroyMethod = "close")
        io.github.redlock.Redlock redlock() {
            return io.github.redlock.Redlock.builder().servers("redis://127.0.0.1:9").requireQuorumOnStartup(false)
                    .driftFactor(0.5).build();
        }
    }

    static class TinyTtlJob {

        @DistributedLock(resource = "tiny", ttl = 4, timeUnit = java.util.concurrent.TimeUnit.MILLISECONDS)
        public void tiny() {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TinyTtlConfiguration {

        @Bean
        TinyTtlJob tinyTtlJob() {
            return new TinyTtlJob();
        }
    }

    static class FiveMillisecondsJob {

        @DistributedLock(resource = "five", ttl = 5, timeUnit = java.util.concurrent.TimeUnit.MILLISECONDS)
        public void five() {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class FiveMillisecondsConfiguration {

        @Bean
        FiveMillisecondsJob fiveMillisecondsJob() {
            return new FiveMillisecondsJob();
        }
    }

    @Test
    void disabledEngineDoesNotFailOnEngineSettings() {
        runner.withPropertyValues("redlock.enabled=false", "redlock.retry-count=-1")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(DistributedLockAdvisor.class));
    }

    @Test
    void userDefinedAdvisorReplacesOurs() {
        runner.withUserConfiguration(UserAdvisor.class).run(context -> {
            assertThat(context).hasSingleBean(DistributedLockAdvisor.class);
            assertThat(context.getBean(DistributedLockAdvisor.class).getOrder()).isEqualTo(7);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class UserAdvisor {

        @Bean
        static DistributedLockAdvisor myAdvisor() {
            DistributedLockOperationSource operations = new DistributedLockOperationSource(new MockEnvironment());
            DistributedLockAdvisor advisor = new DistributedLockAdvisor(operations, new DistributedLockInterceptor(
                    operations, () -> null, () -> new io.github.redlock.RedlockListener() { },
                    () -> io.micrometer.observation.ObservationRegistry.NOOP, java.time.Duration.ofSeconds(1), null));
            advisor.setOrder(7);
            return advisor;
        }
    }
}
