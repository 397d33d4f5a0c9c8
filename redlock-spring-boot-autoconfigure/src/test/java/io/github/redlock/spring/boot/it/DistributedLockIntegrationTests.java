package io.github.redlock.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

import io.github.redlock.Lease;
import io.github.redlock.LockFailure;
import io.github.redlock.LockNotAcquiredException;
import io.github.redlock.Redlock;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.LockFailurePolicy;
import io.github.redlock.spring.boot.autoconfigure.DistributedLockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockMetricsAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockObservationAutoConfiguration;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.github.redlock.test.RedisNodesExtension;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;

/**
 * {@code @DistributedLock} methods in a Spring Boot application against three real Redis nodes;
 * a second engine plays "another instance" holding locks.
 */
@ExtendWith(OutputCaptureExtension.class)
class DistributedLockIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    static ConfigurableApplicationContext context;
    static Jobs jobs;
    static Redlock otherInstance;
    static SimpleMeterRegistry meters;
    /** What the locked methods did (a field of the bean would be read through its proxy). */
    static final List<String> EVENTS = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        context = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("redlock.servers=" + String.join(",", redis.uris()), "redlock.key-prefix=lock:",
                        "redlock.timeout=500ms", "redlock.retry-count=1", "redlock.retry-delay=50ms",
                        "redlock.retry-jitter=20ms", "redlock.default-ttl=10s")
                .run();
        jobs = context.getBean(Jobs.class);
        meters = context.getBean(SimpleMeterRegistry.class);
        otherInstance = Redlock.builder().servers(redis.uris()).keyPrefix("lock:").timeout(Duration.ofMillis(500))
                .retryCount(0).build();
    }

    @AfterAll
    static void stop() {
        if (otherInstance != null) {
            otherInstance.close();
        }
        if (context != null) {
            context.close();
        }
    }

    /** Meters are not cleared between tests (the listener keeps them): each resource is counted in one test only. */
    @BeforeEach
    void reset() {
        EVENTS.clear();
    }

    @Test
    void runsUnderTheLockAndReleasesItAfterwards() {
        assertThat(jobs.report()).isEqualTo("held on 3 nodes");
        assertThat(RedisKeys.holders(redis, "lock:report")).isZero();
        assertThat(counter("redlock.acquisitions", "report")).isEqualTo(1);
    }

    @Test
    void releasesTheLockWhenTheMethodThrows() {
        assertThatExceptionOfType(IllegalStateException.class).isThrownBy(jobs::failing).withMessage("boom");
        assertThat(EVENTS).containsExactly("failing ran");
        assertThat(RedisKeys.holders(redis, "lock:failing")).isZero();
        assertThat(otherInstance.tryLock("failing", Duration.ofSeconds(1)).isAcquired()).isTrue();
    }

    @Test
    void skipsWhenTheLockIsHeldElsewhere() {
        List<Lease> held = holdElsewhere("report", "optional", "nightly");
        try {
            assertThat(jobs.report()).isNull();
            assertThat(jobs.optional()).isEmpty();
            jobs.nightly();
            assertThat(EVENTS).isEmpty();
            assertThat(RedisKeys.holders(redis, "lock:report")).isEqualTo(3);
        } finally {
            held.forEach(Lease::close);
        }
        assertThat(failures("nightly", "contended")).isEqualTo(1);
        assertThat(counter("redlock.acquisitions", "nightly")).isZero();
    }

    @Test
    void throwsWithResourceAndNodesWhenTheLockIsHeldElsewhere() {
        List<Lease> held = holdElsewhere("strict");
        try {
            assertThatExceptionOfType(LockNotAcquiredException.class).isThrownBy(jobs::strict).satisfies(e -> {
                assertThat(e.resource()).isEqualTo("strict");
                assertThat(e.failure()).isEqualTo(LockFailure.CONTENDED);
                assertThat(e.nodes()).hasSize(3);
                assertThat(e.getMessage()).contains("'strict'").contains("contended").contains(redis.uris().get(0))
                        .contains("HELD_BY_OTHER");
            });
        } finally {
            held.forEach(Lease::close);
        }
        assertThat(EVENTS).isEmpty();
        assertThat(failures("strict", "contended")).isEqualTo(1);
    }

    @Test
    void spelKeysLockPerArgumentAndMetricsUseTheTemplate() {
        List<Lease> held = holdElsewhere("invoice:1");
        try {
            assertThat(jobs.invoice(new Invoice(1))).isNull();
            assertThat(jobs.invoice(new Invoice(2))).isEqualTo("invoice 2 done");
        } finally {
            held.forEach(Lease::close);
        }
        assertThat(EVENTS).containsExactly("invoice 2");
        assertThat(counter("redlock.acquisitions", "invoice:#{#invoice.id}")).isEqualTo(1);
        assertThat(failures("invoice:#{#invoice.id}", "contended")).isEqualTo(1);
        assertThat(meters.find("redlock.acquisitions").tag("resource", "invoice:2").counter()).isNull();
    }

    @Test
    void blankKeyAtRuntimeThrowsAndNeverRuns() {
        assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> jobs.byName(" "))
                .withMessageContaining("blank");
        assertThat(EVENTS).isEmpty();
    }

    @Test
    void waitTimeWaitsForTheOtherHolder() {
        Lease held = otherInstance.lock("waiting", Duration.ofSeconds(10)).orElseThrow();
        CompletableFuture.runAsync(held::close, CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));
        assertThat(jobs.waiting()).isEqualTo("ran");
    }

    @Test
    void minimumHoldTimeKeepsTheLockAfterAFastRun() {
        jobs.quickTick();
        assertThat(EVENTS).containsExactly("quick tick");
        assertThat(RedisKeys.holders(redis, "lock:quick-tick")).isGreaterThanOrEqualTo(2);
        assertThat(RedisKeys.pttl(redis, "lock:quick-tick")).isBetween(1L, 1500L);
        assertThat(otherInstance.tryLock("quick-tick", Duration.ofSeconds(1)).isAcquired()).isFalse();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> otherInstance.tryLock("quick-tick", Duration.ofSeconds(1)).isAcquired());
    }

    @Test
    void methodOutlivingItsLockIsWarnedAndCounted(CapturedOutput output) {
        jobs.tooSlow();
        assertThat(counter("redlock.expired", "too-slow")).isEqualTo(1);
        assertThat(output).contains("ran longer than its lock on 'too-slow' was valid");
    }

    @Test
    void autoExtendRenewsTheLockWhileTheMethodRuns() {
        assertThat(jobs.longRunning()).isGreaterThanOrEqualTo(2);
        assertThat(counter("redlock.expired", "long-running")).isZero();
        assertThat(RedisKeys.holders(redis, "lock:long-running")).isZero();
    }

    @Test
    void lockIsTakenOutsideTheTransaction() {
        jobs.transactional();
        TransactionRecorder transactions = context.getBean(TransactionRecorder.class);
        assertThat(transactions.lockHoldersAtBegin).containsExactly(3);
        assertThat(transactions.lockHoldersAtCommit).containsExactly(3);
        assertThat(EVENTS).containsExactly("in transaction");
        assertThat(RedisKeys.holders(redis, "lock:transactional")).isZero();
    }

    @Test
    void annotationOnAnInterfaceMethodLocks() {
        Reports reports = context.getBean(Reports.class);
        assertThat(reports.daily("eu")).isEqualTo(3);
        List<Lease> held = holdElsewhere("daily:eu");
        try {
            assertThat(reports.daily("eu")).isNull();
        } finally {
            held.forEach(Lease::close);
        }
    }

    @Test
    void heldLocksShowInTheLongTaskTimerWhileRunning() {
        assertThat(jobs.activeHeldTimer()).isEqualTo(1);
        assertThat(meters.get("redlock.lock.hold.active").tag("redlock.resource", "held-timer").longTaskTimer().activeTasks())
                .isZero();
    }

    private static List<Lease> holdElsewhere(String... resources) {
        return java.util.Arrays.stream(resources)
                .map(resource -> otherInstance.lock(resource, Duration.ofSeconds(10)).orElseThrow()).toList();
    }

    private static double counter(String name, String resource) {
        var counter = meters.find(name).tag("resource", resource).counter();
        return counter == null ? 0 : counter.count();
    }

    private static double failures(String resource, String reason) {
        var counter = meters.find("redlock.failures").tag("resource", resource).tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    record Invoice(long id) {
    }

    public static class Jobs {

        private final MeterRegistry registry;

        Jobs(MeterRegistry registry) {
            this.registry = registry;
        }

        @DistributedLock(resource = "report", ttl = 5)
        public String report() {
            return "held on " + RedisKeys.holders(redis, "lock:report") + " nodes";
        }

        @DistributedLock(resource = "failing")
        public void failing() {
            EVENTS.add("failing ran");
            throw new IllegalStateException("boom");
        }

        @DistributedLock(resource = "optional")
        public Optional<String> optional() {
            EVENTS.add("optional ran");
            return Optional.of("ran");
        }

        @DistributedLock(resource = "nightly")
        public void nightly() {
            EVENTS.add("nightly ran");
        }

        @DistributedLock(resource = "strict", onFailure = LockFailurePolicy.THROW)
        public void strict() {
            EVENTS.add("strict ran");
        }

        @DistributedLock(resource = "invoice:#{#invoice.id}")
        public String invoice(Invoice invoice) {
            EVENTS.add("invoice " + invoice.id());
            return "invoice " + invoice.id() + " done";
        }

        @DistributedLock(resource = "#{#name}")
        public void byName(String name) {
            EVENTS.add("by name " + name);
        }

        @DistributedLock(resource = "waiting", waitTime = 5)
        public String waiting() {
            return "ran";
        }

        @DistributedLock(resource = "quick-tick", ttl = 10_000, minHoldTime = 1500, timeUnit = TimeUnit.MILLISECONDS)
        public void quickTick() {
            EVENTS.add("quick tick");
        }

        @DistributedLock(resource = "too-slow", ttl = 200, timeUnit = TimeUnit.MILLISECONDS)
        public void tooSlow() {
            sleep(500);
        }

        /** Runs for three TTLs and returns on how many nodes the lock still is. */
        @DistributedLock(resource = "long-running", ttl = 600, timeUnit = TimeUnit.MILLISECONDS, autoExtend = true)
        public Integer longRunning() {
            sleep(1800);
            return RedisKeys.holders(redis, "lock:long-running");
        }

        @Transactional
        @DistributedLock(resource = "transactional")
        public void transactional() {
            EVENTS.add("in transaction");
        }

        @DistributedLock(resource = "held-timer")
        public Integer activeHeldTimer() {
            return registry.get("redlock.lock.hold.active").tag("redlock.resource", "held-timer").longTaskTimer()
                    .activeTasks();
        }
    }

    public interface Reports {

        @DistributedLock(resource = "daily:#{#region}")
        Integer daily(String region);
    }

    static class ReportsImpl implements Reports {

        @Override
        public Integer daily(String region) {
            return RedisKeys.holders(redis, "lock:daily:" + region);
        }
    }

    /** A transaction manager that records on how many nodes the lock is when transactions begin and commit. */
    static class TransactionRecorder extends AbstractPlatformTransactionManager {

        private static final long serialVersionUID = 1L;

        final CopyOnWriteArrayList<Integer> lockHoldersAtBegin = new CopyOnWriteArrayList<>();
        final CopyOnWriteArrayList<Integer> lockHoldersAtCommit = new CopyOnWriteArrayList<>();

        @Override
        protected Object doGetTransaction() {
            return new Object();
        }

        @Override
        protected void doBegin(Object transaction, TransactionDefinition definition) {
            lockHoldersAtBegin.add(RedisKeys.holders(redis, "lock:transactional"));
        }

        @Override
        protected void doCommit(DefaultTransactionStatus status) {
            lockHoldersAtCommit.add(RedisKeys.holders(redis, "lock:transactional"));
        }

        @Override
        protected void doRollback(DefaultTransactionStatus status) {
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis); // simulated work inside a locked method, not synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @SpringBootConfiguration
    @EnableTransactionManagement
    @ImportAutoConfiguration({ AopAutoConfiguration.class, RedlockAutoConfiguration.class,
            DistributedLockAutoConfiguration.class, RedlockMetricsAutoConfiguration.class,
            RedlockObservationAutoConfiguration.class })
    static class App {

        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        /** As Boot makes it: the lock timers are derived from the observations. */
        @Bean
        ObservationRegistry observationRegistry(SimpleMeterRegistry meters) {
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
            return registry;
        }

        @Bean
        Jobs jobs(MeterRegistry registry) {
            return new Jobs(registry);
        }

        @Bean
        Reports reports() {
            return new ReportsImpl();
        }

        @Bean
        TransactionRecorder transactionManager() {
            return new TransactionRecorder();
        }
    }
}
