package io.github.redlock.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redlock.Lease;
import io.github.redlock.Redlock;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.boot.autoconfigure.DistributedLockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.function.SingletonSupplier;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.ReactorBlockHoundIntegration;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A reactive {@code @DistributedLock} call, subscribed on a non-blocking thread (as in a WebFlux
 * handler), never blocks it: BlockHound fails any blocking call on the threads of
 * {@link #EVENT_LOOP}, and only on those, so other tests in this JVM are unaffected.
 */
class NonBlockingIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final String THREAD_PREFIX = "redlock-test-nonblocking";
    private static final Scheduler EVENT_LOOP = Schedulers.newParallel(THREAD_PREFIX, 2);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RedlockAutoConfiguration.class, DistributedLockAutoConfiguration.class))
            .withUserConfiguration(App.class)
            .withPropertyValues("redlock.servers=" + String.join(",", redis.uris()));

    @BeforeAll
    static void installBlockHound() {
        // Only Reactor's integration, which knows its schedulers' own idle waits: Reactor's non-blocking
        // threads are checked, and no others (Lettuce's and the other tests' threads are left alone).
        // Reactor's integration knows its schedulers' own idle waits; of Reactor's non-blocking
        // threads only this test's are checked, so no other test (or Reactor timer) is disturbed.
        // The advice's listener is resolved on first use, under a lock held only for that moment.
        BlockHound.builder().with(new ReactorBlockHoundIntegration())
                .nonBlockingThreadPredicate(p -> p.and(t -> t.getName().startsWith(THREAD_PREFIX)))
                .allowBlockingCallsInside(SingletonSupplier.class.getName(), "get").install();
    }

    @AfterAll
    static void stopEventLoop() {
        EVENT_LOOP.dispose();
    }

    @Test
    void blockingOnTheseThreadsIsDetected() {
        Mono<String> sleeps = Mono.fromCallable(() -> {
            Thread.sleep(1);
            return "slept";
        }).subscribeOn(EVENT_LOOP);
        assertThatThrownBy(() -> sleeps.block(Duration.ofSeconds(10))).hasCauseInstanceOf(BlockingOperationError.class);
    }

    @Test
    void lockedMonoAndFluxCallsNeverBlockTheSubscribingThread() {
        runner.run(context -> {
            Jobs jobs = context.getBean(Jobs.class);
            List<Long> results = Flux.range(0, 16)
                    .flatMap(i -> (i % 2 == 0 ? jobs.mono() : jobs.flux().last()).subscribeOn(EVENT_LOOP), 4)
                    .collectList().block(Duration.ofSeconds(60));
            assertThat(results).hasSize(16);
            assertThat(jobs.ran()).isPositive();
        });
    }

    @Test
    void aSkippedCallDoesNotBlockEither() {
        runner.run(context -> {
            Jobs jobs = context.getBean(Jobs.class);
            try (Lease held = context.getBean(Redlock.class).tryLock("nonblocking:mono", Duration.ofSeconds(30)).leaseOrThrow()) {
                // mono() waits up to its waitTime of 3 s for the held lock, then is skipped: allow more than that.
                Long result = jobs.mono().subscribeOn(EVENT_LOOP).defaultIfEmpty(-1L).block(Duration.ofSeconds(30));
                assertThat(result).isEqualTo(-1L);
                assertThat(held.isValid()).isTrue();
            }
        });
    }

    public static class Jobs {

        private final AtomicInteger ran = new AtomicInteger();

        public int ran() {
            return ran.get();
        }

        @DistributedLock(resource = "nonblocking:mono", ttl = 10, waitTime = 3, autoExtend = true)
        public Mono<Long> mono() {
            return Mono.fromCallable(() -> (long) ran.incrementAndGet());
        }

        @DistributedLock(resource = "nonblocking:flux", ttl = 10, waitTime = 10)
        public Flux<Long> flux() {
            return Flux.range(1, 3).map(i -> (long) ran.incrementAndGet());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class App {

        @Bean
        Jobs jobs() {
            return new Jobs();
        }
    }
}
