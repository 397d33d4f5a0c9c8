package io.github.redlock.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.boot.autoconfigure.DistributedLockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * The product's promise: instances that schedule the same cron job run each tick exactly once,
 * with the minimal annotation and every {@code redlock.*} property at its default except the
 * servers. Each instance is its own application context whose scheduler runs on a clock offset
 * from the others', as instances on different machines do. Counts are asserted, never timings.
 *
 * <p>Skewed clocks: the jobs tick every second and the clocks are at most 250 ms apart, so the default
 * minimum hold, half a period (500 ms), covers the instances whose clocks are late. Instances firing
 * at the same instant: the jobs tick every 2 s, so that the retries after a split vote (up to 3, from
 * {@code redlock.retry-delay} 200 ms) end within the hold of 1 s, as the product documents.
 */
@Timeout(90) // at most 10 context starts plus (TICKS + 6) ticks of 2 s
class ScheduledTicksIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    static final int TICKS = 12;
    /** How early a scheduler may fire by its own clock and still count for the tick it fired for. */
    static final long EARLY_MILLIS = 100;

    static final Queue<Run> RUNS = new ConcurrentLinkedQueue<>();
    static final Map<String, AtomicInteger> RUNNING = Map.of("fast", new AtomicInteger(), "slow", new AtomicInteger());
    static final Map<String, AtomicInteger> MOST_AT_ONCE = Map.of("fast", new AtomicInteger(), "slow", new AtomicInteger());

    record Run(String job, String instance, long tick) {
    }

    private final List<ConfigurableApplicationContext> instances = new ArrayList<>();

    @BeforeEach
    void clear() {
        RUNS.clear();
        RUNNING.values().forEach(count -> count.set(0));
        MOST_AT_ONCE.values().forEach(count -> count.set(0));
    }

    @AfterEach
    void stopInstances() {
        instances.forEach(ConfigurableApplicationContext::close);
    }

    @Test
    void everyTickRunsExactlyOnceOnFourInstancesWithSkewedClocks() {
        observe(1000, List.of(-125L, -40L, 45L, 125L), List.of("fast", "slow"));
    }

    @Test
    void everyTickRunsExactlyOnceWithOneOfThreeNodesKilled() {
        redis.node(2).kill();
        observe(1000, List.of(-125L, -40L, 45L, 125L), List.of("fast", "slow"));
    }

    @Test
    void everyTickRunsExactlyOnceOnTenInstancesFiringAtTheSameInstant() {
        observe(2000, List.of(0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L), List.of("fast"));
    }

    /**
     * Starts one instance per clock offset, with jobs ticking every {@code periodMillis} (1 or 2 s),
     * watches {@link #TICKS} whole ticks, and asserts that each job ran exactly once in each of them,
     * never two runs at a time.
     */
    private void observe(long periodMillis, List<Long> clockOffsetsMillis, List<String> jobs) {
        for (int i = 0; i < clockOffsetsMillis.size(); i++) {
            instances.add(start("i" + i, clockOffsetsMillis.get(i), periodMillis));
        }
        long latestOffset = clockOffsetsMillis.stream().mapToLong(Math::abs).max().orElse(0);
        // The first tick that every instance is up for, whatever its clock says.
        long firstTick = (System.currentTimeMillis() + latestOffset) / periodMillis + 1;
        long lastTick = firstTick + TICKS - 1;
        // A run two ticks later means every instance is past the last watched tick, retries included.
        await().atMost(Duration.ofMillis((TICKS + 6) * periodMillis)).until(() -> jobs.stream()
                .allMatch(job -> RUNS.stream().anyMatch(run -> run.job().equals(job) && run.tick() >= lastTick + 2)));

        for (String job : jobs) {
            Map<Long, List<String>> byTick = new TreeMap<>(RUNS.stream().filter(run -> run.job().equals(job))
                    .collect(Collectors.groupingBy(Run::tick, Collectors.mapping(Run::instance, Collectors.toList()))));
            LongStream.rangeClosed(firstTick, lastTick).forEach(tick -> assertThat(byTick.getOrDefault(tick, List.of()))
                    .as("runs of the %s job in tick %d (all ticks: %s)", job, tick, byTick).hasSize(1));
            assertThat(MOST_AT_ONCE.get(job).get()).as("%s job runs at once", job).isEqualTo(1);
        }
    }

    private static ConfigurableApplicationContext start(String instance, long clockOffsetMillis, long periodMillis) {
        return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("instance=" + instance, "clock-offset=" + clockOffsetMillis,
                        "tick.period-ms=" + periodMillis, "tick.cron=*/" + periodMillis / 1000 + " * * * * *",
                        "redlock.servers=" + String.join(",", redis.uris()))
                .run();
    }

    /** Two cron jobs as users write them: the minimal annotation, nothing tuned. */
    public static class TickJobs {

        private final String instance;
        private final Clock clock;
        private final long periodMillis;

        TickJobs(String instance, Clock clock, long periodMillis) {
            this.instance = instance;
            this.clock = clock;
            this.periodMillis = periodMillis;
        }

        @Scheduled(cron = "${tick.cron}")
        @DistributedLock(resource = "tick-fast", ttl = 10)
        public void fast() throws InterruptedException {
            run("fast", ThreadLocalRandom.current().nextInt(21));
        }

        @Scheduled(cron = "${tick.cron}")
        @DistributedLock(resource = "tick-slow", ttl = 10)
        public void slow() throws InterruptedException {
            run("slow", 350);
        }

        private void run(String job, long workMillis) throws InterruptedException {
            // The tick this instance's scheduler fired for, by its own clock: a run may start late
            // (lock retries after a split vote), or a few milliseconds early.
            long tick = (clock.millis() + EARLY_MILLIS) / periodMillis;
            int running = RUNNING.get(job).incrementAndGet();
            MOST_AT_ONCE.get(job).accumulateAndGet(running, Math::max);
            RUNS.add(new Run(job, instance, tick));
            try {
                Thread.sleep(workMillis); // the job's work
            } finally {
                RUNNING.get(job).decrementAndGet();
            }
        }
    }

    @SpringBootConfiguration
    @EnableScheduling
    @ImportAutoConfiguration({ AopAutoConfiguration.class, RedlockAutoConfiguration.class,
            DistributedLockAutoConfiguration.class })
    static class App {

        @Bean
        Clock schedulerClock(Environment environment) {
            return Clock.offset(Clock.systemDefaultZone(),
                    Duration.ofMillis(environment.getRequiredProperty("clock-offset", Long.class)));
        }

        @Bean
        ThreadPoolTaskScheduler taskScheduler(Clock schedulerClock, Environment environment) {
            ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
            scheduler.setPoolSize(2);
            scheduler.setClock(schedulerClock);
            scheduler.setThreadNamePrefix(environment.getRequiredProperty("instance") + "-tick-");
            return scheduler;
        }

        @Bean
        TickJobs tickJobs(Environment environment, Clock schedulerClock) {
            return new TickJobs(environment.getRequiredProperty("instance"), schedulerClock,
                    environment.getRequiredProperty("tick.period-ms", Long.class));
        }
    }
}
