package io.github.redlock.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.boot.autoconfigure.DistributedLockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Two instances of one application run the same {@code @Scheduled} + {@code @DistributedLock} job
 * against the same three Redis nodes: every tick runs exactly once, never overlapping.
 */
class ScheduledJobIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    /** Every run of the job in either instance. */
    static final Queue<Run> RUNS = new ConcurrentLinkedQueue<>();

    /** Cron period of the job. */
    static final long PERIOD_MILLIS = 2000;

    record Run(String instance, long tick, long startNanos, long endNanos) {
    }

    @Test
    void everyTickRunsExactlyOnceAcrossTwoInstances() {
        ConfigurableApplicationContext a = start("a");
        ConfigurableApplicationContext b = start("b");
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> RUNS.size() >= 4);
        } finally {
            a.close();
            b.close();
        }
        List<Run> runs = new ArrayList<>(RUNS);
        runs.sort(Comparator.comparingLong(Run::startNanos));
        assertThat(runs).extracting(Run::tick).as("one run per tick: %s", runs).doesNotHaveDuplicates();
        for (int i = 1; i < runs.size(); i++) {
            assertThat(runs.get(i).startNanos()).as("run %s starts after %s ended", runs.get(i), runs.get(i - 1))
                    .isGreaterThanOrEqualTo(runs.get(i - 1).endNanos());
        }
    }

    private static ConfigurableApplicationContext start(String instance) {
        return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("instance=" + instance, "redlock.servers=" + String.join(",", redis.uris()),
                        "redlock.timeout=250ms", "redlock.retry-count=1", "redlock.retry-delay=50ms",
                        "redlock.retry-jitter=20ms")
                .run();
    }

    public static class TickJob {

        private final String instance;

        TickJob(String instance) {
            this.instance = instance;
        }

        /**
         * Every two seconds; the lock is kept for at least one second, longer than the other
         * instance keeps retrying, so a fast run is not repeated by it in the same tick.
         */
        @Scheduled(cron = "*/2 * * * * *")
        @DistributedLock(resource = "tick", ttl = 10_000, minHoldTime = 1000, timeUnit = TimeUnit.MILLISECONDS)
        public void tick() {
            long start = System.nanoTime();
            long tick = System.currentTimeMillis() / PERIOD_MILLIS;
            try {
                Thread.sleep(150); // the job's work
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            RUNS.add(new Run(instance, tick, start, System.nanoTime()));
        }
    }

    @SpringBootConfiguration
    @EnableScheduling
    @ImportAutoConfiguration({ AopAutoConfiguration.class, TaskSchedulingAutoConfiguration.class,
            RedlockAutoConfiguration.class, DistributedLockAutoConfiguration.class })
    static class App {

        @Bean
        TickJob tickJob(org.springframework.core.env.Environment environment) {
            return new TickJob(environment.getRequiredProperty("instance"));
        }
    }
}
