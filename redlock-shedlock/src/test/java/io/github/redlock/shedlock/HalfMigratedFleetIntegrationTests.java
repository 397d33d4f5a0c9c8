package io.github.redlock.shedlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.spring.DistributedLock;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.spring.annotation.EnableSchedulerLock;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * A fleet half migrated: instances of one application still on ShedLock ({@code @SchedulerLock(name
 * = "report")}, with the auto-configured {@link RedlockLockProvider}) next to instances already on
 * {@code @DistributedLock(resource = "report")}, under one {@code redlock.key-prefix}, over three
 * real nodes. Both lock the same key, so whichever holds it, the other is refused, and a job
 * scheduled on both, with clocks 200 ms apart either way, runs once per tick: ShedLock's {@code lockAtLeastFor}
 * and {@code @DistributedLock}'s default hold on a scheduled method (half a tick) both cover the
 * skew. Without them (lockAtLeastFor 0, minHoldTime 0) the job ran twice per tick.
 */
@Timeout(120)
class HalfMigratedFleetIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    static final String KEY = "app:report";

    /** Runs of the job per tick (the wall-clock second nearest to when it ran), across both instances. */
    static final Map<Long, AtomicInteger> runsPerTick = new ConcurrentSkipListMap<>();
    static final Map<String, AtomicInteger> runsBySide = new ConcurrentHashMap<>();
    static volatile CountDownLatch entered = new CountDownLatch(1);
    static volatile CountDownLatch release = new CountDownLatch(0);

    private final List<ConfigurableApplicationContext> instances = new ArrayList<>();

    @BeforeEach
    void reset() {
        runsPerTick.clear();
        runsBySide.clear();
    }

    @AfterEach
    void stopInstances() {
        release.countDown();
        instances.forEach(ConfigurableApplicationContext::close);
    }

    private ConfigurableApplicationContext start(Class<?> application, String cron) {
        return start(application, cron, 0);
    }

    private ConfigurableApplicationContext start(Class<?> application, String cron, long skewMillis) {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(application)
                .web(WebApplicationType.NONE)
                .properties("redlock.servers=" + String.join(",", redis.uris()), "redlock.key-prefix=app:",
                        "job.cron=" + cron, "job.skew-ms=" + skewMillis)
                .run();
        instances.add(context);
        return context;
    }

    /** The job body: counts the run, then waits (bounded) while a test holds it. */
    static void run(String side) {
        long tick = Math.round(System.currentTimeMillis() / 1000.0);
        runsPerTick.computeIfAbsent(tick, t -> new AtomicInteger()).incrementAndGet();
        runsBySide.computeIfAbsent(side, s -> new AtomicInteger()).incrementAndGet();
        entered.countDown();
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void whicheverSideHoldsTheLockTheOtherIsRefused() throws Exception {
        ShedLockJob shedLock = start(ShedLockApp.class, "-").getBean(ShedLockJob.class);
        MigratedJob migrated = start(MigratedApp.class, "-").getBean(MigratedJob.class);
        assertThat(instances.get(0).getBean(LockProvider.class)).as("the auto-configured LockProvider")
                .isInstanceOf(RedlockLockProvider.class);

        holdWhileCalling(shedLock::report, migrated::report);
        assertThat(runsBySide).as("runs while @SchedulerLock held the lock").containsOnlyKeys("shedlock");

        runsBySide.clear();
        holdWhileCalling(migrated::report, shedLock::report);
        assertThat(runsBySide).as("runs while @DistributedLock held the lock").containsOnlyKeys("distributedlock");
    }

    /** Runs {@code holder} on another thread until it is inside the job, then calls {@code other}. */
    private static void holdWhileCalling(Runnable holder, Runnable other) throws Exception {
        entered = new CountDownLatch(1);
        release = new CountDownLatch(1);
        CompletableFuture<Void> holding = CompletableFuture.runAsync(holder);
        assertThat(entered.await(30, TimeUnit.SECONDS)).as("the holder entered the job").isTrue();
        // Granted by a quorum; the third node's SET may still be on its way.
        redis.nodes().awaitOnAll(KEY, Duration.ofSeconds(5));
        assertThat(redis.nodes().values("report")).as("'report' without the prefix on each node").containsOnlyNulls();
        other.run();
        release.countDown();
        holding.get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.node(0).command("EXISTS", KEY).equals(0L));
    }

    /**
     * With the ShedLock instance's clock 200 ms ahead, it fires first and its lockAtLeastFor keeps the
     * other out; 200 ms behind, the migrated instance fires first and its half-tick hold does.
     */
    @ParameterizedTest(name = "ShedLock instance''s clock {0} ms ahead")
    @ValueSource(longs = {200, -200})
    void aJobScheduledOnBothSidesRunsOncePerTick(long skewMillis) {
        entered = new CountDownLatch(1);
        release = new CountDownLatch(0);
        start(ShedLockApp.class, "* * * * * *", skewMillis);
        start(MigratedApp.class, "* * * * * *");

        await().atMost(Duration.ofSeconds(30)).until(() -> runsPerTick.size() >= 6);
        instances.forEach(ConfigurableApplicationContext::close);

        assertThat(runsPerTick).as("runs per tick (ShedLock side %s, @DistributedLock side %s)",
                runsBySide.get("shedlock"), runsBySide.get("distributedlock"))
                .allSatisfy((tick, runs) -> assertThat(runs.get()).as("runs in tick %d", tick).isEqualTo(1));
    }

    /**
     * An instance not migrated yet: ShedLock, with a lockAtLeastFor against clock skew. Its scheduler's
     * clock runs {@code job.skew-ms} ahead (behind when negative) of the other instance's.
     */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    @EnableScheduling
    @EnableSchedulerLock(defaultLockAtMostFor = "PT30S")
    static class ShedLockApp {
        @Bean
        ShedLockJob shedLockJob() {
            return new ShedLockJob();
        }

        @Bean
        ThreadPoolTaskScheduler taskScheduler(@Value("${job.skew-ms:0}") long skewMillis) {
            ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
            scheduler.setClock(Clock.offset(Clock.systemDefaultZone(), Duration.ofMillis(skewMillis)));
            return scheduler;
        }
    }

    public static class ShedLockJob {
        @Scheduled(cron = "${job.cron}")
        @SchedulerLock(name = "report", lockAtLeastFor = "PT0.5S")
        public void report() {
            run("shedlock");
        }
    }

    /** An instance already migrated: @DistributedLock, whose hold on a scheduled method is half a tick. */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    @EnableScheduling
    static class MigratedApp {
        @Bean
        MigratedJob migratedJob() {
            return new MigratedJob();
        }
    }

    public static class MigratedJob {
        @Scheduled(cron = "${job.cron}")
        @DistributedLock(resource = "report", ttl = 30)
        public void report() {
            run("distributedlock");
        }
    }
}
