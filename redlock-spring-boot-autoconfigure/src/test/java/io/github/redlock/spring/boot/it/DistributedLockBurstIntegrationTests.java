package io.github.redlock.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.boot.autoconfigure.DistributedLockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockMetricsAutoConfiguration;
import io.github.redlock.test.Burst;
import io.github.redlock.test.RedisNodesExtension;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.task.AsyncTaskExecutor;

/**
 * Bursts of {@code @DistributedLock} calls with default settings against three real nodes, each
 * call locking its own resource: every call runs under its lock.
 */
class DistributedLockBurstIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private ConfigurableApplicationContext start(String... properties) {
        return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("redlock.servers=" + String.join(",", redis.uris()))
                .properties(properties)
                .run();
    }

    @Test
    void aBurstOf2000AutoExtendCallsOnPlatformThreadsAllRunUnderTheirLocksForThreeTtls() {
        try (ConfigurableApplicationContext context = start()) {
            Jobs jobs = context.getBean(Jobs.class);
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean heldThreeTtls = new AtomicBoolean();
            Thread releaser = new Thread(() -> {
                // Hold every lock three TTLs long once all run, then let the methods return.
                try {
                    await().atMost(Duration.ofMinutes(2)).until(() -> jobs.running() == 2_000);
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                            .until(() -> System.nanoTime() - end >= 0);
                    heldThreeTtls.set(true);
                } finally {
                    release.countDown();
                }
            });
            releaser.setDaemon(true);
            releaser.start();

            Burst.Result result = Burst.run(2_000, Burst.Threads.PLATFORM,
                    i -> Boolean.TRUE.equals(jobs.held(i, release)) ? null : "skipped or not released in time");

            assertThat(result.succeeded()).as("ran and held; failures %s", result.failures()).isEqualTo(2_000);
            assertThat(heldThreeTtls).as("all 2,000 ran at once for 6 s").isTrue();
            SimpleMeterRegistry meters = context.getBean(SimpleMeterRegistry.class);
            assertThat(meters.find("redlock.expired").counters()).allMatch(counter -> counter.count() == 0);
            assertThat(meters.find("redlock.acquisitions").counters().stream().mapToDouble(Counter::count).sum())
                    .isEqualTo(2_000);
        }
    }

    @Test
    @EnabledForJreRange(min = JRE.JAVA_21)
    void withVirtualThreadsEnabledABurstOf10000CallsOnSpringsTaskExecutorAllRun() {
        try (ConfigurableApplicationContext context = start("spring.threads.virtual.enabled=true")) {
            Jobs jobs = context.getBean(Jobs.class);
            AsyncTaskExecutor executor = context.getBean("applicationTaskExecutor", AsyncTaskExecutor.class);

            Burst.Result result = Burst.run(10_000, executor, i -> Boolean.TRUE.equals(jobs.once(i)) ? null : "skipped");

            assertThat(result.succeeded()).as("ran; failures %s", result.failures()).isEqualTo(10_000);
            assertThat(jobs.onVirtualThreads()).isEqualTo(10_000);
        }
    }

    static class Jobs {

        private final AtomicInteger running = new AtomicInteger();
        private final AtomicInteger onVirtualThreads = new AtomicInteger();

        /** Calls of {@link #held} running now or done (read through the proxy, so a method). */
        public int running() {
            return running.get();
        }

        public int onVirtualThreads() {
            return onVirtualThreads.get();
        }

        /** True when it ran, and was still held by the engine when it returned. */
        @DistributedLock(resource = "kept:#{#i}", ttl = 2, autoExtend = true)
        public @Nullable Boolean held(int i, CountDownLatch release) {
            running.incrementAndGet();
            try {
                return release.await(2, TimeUnit.MINUTES) ? Boolean.TRUE : Boolean.FALSE;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** True when it ran (a skipped call returns false). */
        @DistributedLock(resource = "once:#{#i}")
        public @Nullable Boolean once(int i) {
            if (Thread.currentThread().toString().startsWith("VirtualThread")) {
                onVirtualThreads.incrementAndGet();
            }
            return Boolean.TRUE;
        }
    }

    @SpringBootConfiguration
    @ImportAutoConfiguration({ AopAutoConfiguration.class, TaskExecutionAutoConfiguration.class,
            RedlockAutoConfiguration.class, DistributedLockAutoConfiguration.class, RedlockMetricsAutoConfiguration.class })
    static class App {

        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        Jobs jobs() {
            return new Jobs();
        }
    }
}
