package io.github.redlock.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redlock.Lease;
import io.github.redlock.LockNotAcquiredException;
import io.github.redlock.Redlock;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.LockFailurePolicy;
import io.github.redlock.spring.boot.autoconfigure.DistributedLockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Methods that return a {@code CompletableFuture}, a {@code Mono} or a {@code Flux} hold their lock
 * until the returned work completes, on real nodes, with two application instances.
 */
class AsyncMethodsIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final ExecutorService WORKERS = Executors.newFixedThreadPool(4);
    private static final Sections SECTIONS = new Sections();
    /** One locked section of work: long enough for the other instance's callers to run into it. */
    private static final Duration SECTION = Duration.ofMillis(30);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RedlockAutoConfiguration.class, DistributedLockAutoConfiguration.class))
            .withUserConfiguration(App.class)
            .withPropertyValues("redlock.servers=" + String.join(",", redis.uris()));

    @BeforeEach
    void reset() {
        SECTIONS.reset();
    }

    @AfterAll
    static void stopWorkers() {
        WORKERS.shutdownNow();
    }

    @Test
    void completableFutureWorkOnTwoInstancesNeverOverlaps() {
        twoInstances(work -> work.future().orTimeout(30, TimeUnit.SECONDS).join());
        assertThat(SECTIONS.overlaps.get()).isZero();
        assertThat(SECTIONS.runs.get()).isPositive();
    }

    @Test
    void monoWorkOnTwoInstancesNeverOverlaps() {
        twoInstances(work -> work.mono().block(Duration.ofSeconds(30)));
        assertThat(SECTIONS.overlaps.get()).isZero();
        assertThat(SECTIONS.runs.get()).isPositive();
    }

    @Test
    void fluxWorkOnTwoInstancesNeverOverlaps() {
        twoInstances(work -> work.flux().collectList().block(Duration.ofSeconds(30)));
        assertThat(SECTIONS.overlaps.get()).isZero();
        assertThat(SECTIONS.runs.get()).isPositive();
    }

    @Test
    void aMonoNeverSubscribedTakesNoLockAndDoesNotRunTheMethod() {
        runner.run(context -> {
            Mono<Void> unsubscribed = context.getBean(Work.class).mono();
            assertThat(unsubscribed).isNotNull();
            assertThat(SECTIONS.calls.get()).isZero();
            assertThat(RedisKeys.holders(redis, "async:mono")).isZero();
        });
    }

    @Test
    void cancellingTheSubscriptionKeepsTheLockUntilItExpires() {
        runner.run(context -> {
            CountDownLatch started = new CountDownLatch(1);
            Disposable subscription = context.getBean(Work.class).endless(started).subscribe();
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(RedisKeys.holders(redis, "async:endless")).isPositive();
            subscription.dispose();
            // The work behind a cancelled publisher may go on: its lock stays until its TTL.
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .until(() -> RedisKeys.holders(redis, "async:endless") >= 2);
        });
    }

    @Test
    void releaseOnCancelReleasesTheLockOfACancelledSubscription() {
        runner.run(context -> {
            CountDownLatch started = new CountDownLatch(1);
            Disposable subscription = context.getBean(Work.class).endlessThatStops(started).subscribe();
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(RedisKeys.holders(redis, "async:endless-stops")).isPositive();
            subscription.dispose();
            await().atMost(Duration.ofSeconds(10)).until(() -> RedisKeys.holders(redis, "async:endless-stops") == 0);
        });
    }

    @Test
    void cancellingTheReturnedFutureKeepsTheLockUntilTheMethodsWorkEnds() {
        runner.run(context -> {
            Work work = context.getBean(Work.class);
            CompletableFuture<Void> returned = work.endlessFuture();
            assertThat(RedisKeys.holders(redis, "async:endless-future")).isPositive();
            returned.cancel(true);
            assertThat(RedisKeys.holders(redis, "async:endless-future")).as("still running, still locked").isPositive();
            work.finishEndlessFuture();
            await().atMost(Duration.ofSeconds(10)).until(() -> RedisKeys.holders(redis, "async:endless-future") == 0);
        });
    }

    @Test
    void aSubscriptionCancelledWhileWaitingForTheLockLeavesNoLockBehind() {
        runner.run(context -> {
            Work work = context.getBean(Work.class);
            Redlock redlock = context.getBean(Redlock.class);
            Lease other = redlock.tryLock("async:waiting", Duration.ofSeconds(30)).leaseOrThrow();
            assertThatThrownBy(() -> work.waitingMono().timeout(Duration.ofMillis(300)).block(Duration.ofSeconds(10)))
                    .hasCauseInstanceOf(java.util.concurrent.TimeoutException.class);
            redlock.release(other);
            // The cancelled attempt must neither take the free lock later nor run the method.
            await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3))
                    .until(() -> RedisKeys.holders(redis, "async:waiting") == 0);
            assertThat(SECTIONS.calls.get()).isZero();
        });
    }

    @Test
    void anErrorReleasesTheLockAndReachesTheCaller() {
        runner.run(context -> {
            Work work = context.getBean(Work.class);
            assertThatThrownBy(() -> work.failingMono().block(Duration.ofSeconds(10))).hasMessage("work failed");
            // Released when the error arrives; on a loaded machine a node may apply it a moment later.
            await().atMost(Duration.ofSeconds(10)).until(() -> RedisKeys.holders(redis, "async:failing") == 0);
            assertThatThrownBy(() -> work.failingFuture().orTimeout(10, TimeUnit.SECONDS).join()).isInstanceOf(CompletionException.class)
                    .hasRootCauseMessage("work failed");
            await().atMost(Duration.ofSeconds(10)).until(() -> RedisKeys.holders(redis, "async:failing-future") == 0);
        });
    }

    @Test
    void notAcquiredUnderSkipGivesTheTypesEmptyValueWithoutRunningTheMethod() {
        runner.run(context -> {
            Work work = context.getBean(Work.class);
            try (Lease held = context.getBean(Redlock.class).tryLock("async:held", Duration.ofSeconds(30)).leaseOrThrow()) {
                CompletableFuture<String> future = work.heldFuture();
                assertThat(future).isNotNull();
                assertThat(future.get(10, TimeUnit.SECONDS)).isNull();
                assertThat(work.heldMono().block(Duration.ofSeconds(10))).isNull();
                assertThat(work.heldFlux().collectList().block(Duration.ofSeconds(10))).isEmpty();
                assertThat(SECTIONS.calls.get()).isZero();
                assertThat(held.resource()).isEqualTo("async:held");
            }
        });
    }

    @Test
    void notAcquiredUnderThrowSignalsTheErrorThroughTheType() {
        runner.run(context -> {
            Work work = context.getBean(Work.class);
            try (Lease held = context.getBean(Redlock.class).tryLock("async:held", Duration.ofSeconds(30)).leaseOrThrow()) {
                CompletableFuture<String> future = work.heldFutureOrThrow();
                assertThat(future).isCompletedExceptionally();
                assertThatThrownBy(future::join).hasCauseInstanceOf(LockNotAcquiredException.class);
                Mono<String> mono = work.heldMonoOrThrow();
                assertThatThrownBy(() -> mono.block(Duration.ofSeconds(10))).isInstanceOf(LockNotAcquiredException.class);
                assertThat(SECTIONS.calls.get()).isZero();
                assertThat(held.isValid()).isTrue();
            }
        });
    }

    @Test
    void asyncMethodsNeverOverlapWithTheLockAdvisorOutsideAsync() {
        twoInstances(runner.withUserConfiguration(LockOutsideAsync.class), AsyncWork.class, work -> work.run().orTimeout(30, TimeUnit.SECONDS).join());
        assertThat(SECTIONS.overlaps.get()).isZero();
        assertThat(SECTIONS.runs.get()).isPositive();
    }

    @Test
    void asyncMethodsNeverOverlapWithAsyncOutsideTheLockAdvisor() {
        twoInstances(runner.withUserConfiguration(AsyncOutsideLock.class), AsyncWork.class, work -> work.run().orTimeout(30, TimeUnit.SECONDS).join());
        assertThat(SECTIONS.overlaps.get()).isZero();
        assertThat(SECTIONS.runs.get()).isPositive();
    }

    private void twoInstances(Consumer<Work> call) {
        twoInstances(runner, Work.class, call);
    }

    /** Two instances, three callers each, calling {@code call} in a loop for a bounded number of rounds. */
    private static <T> void twoInstances(ApplicationContextRunner runner, Class<T> bean, Consumer<T> call) {
        runner.run(first -> runner.run(second -> {
            List<Future<?>> callers = new ArrayList<>();
            ExecutorService threads = Executors.newFixedThreadPool(6);
            try {
                for (T work : List.of(first.getBean(bean), second.getBean(bean))) {
                    for (int t = 0; t < 3; t++) {
                        callers.add(threads.submit(() -> {
                            for (int i = 0; i < 12; i++) {
                                call.accept(work);
                            }
                        }));
                    }
                }
                for (Future<?> caller : callers) {
                    caller.get(60, TimeUnit.SECONDS);
                }
            } finally {
                threads.shutdownNow();
            }
        }));
    }

    public static class Work {

        @DistributedLock(resource = "async:future", ttl = 10)
        public CompletableFuture<Void> future() {
            SECTIONS.calls.incrementAndGet();
            return CompletableFuture.runAsync(() -> SECTIONS.run(SECTION), WORKERS);
        }

        @DistributedLock(resource = "async:mono", ttl = 10)
        public Mono<Void> mono() {
            SECTIONS.calls.incrementAndGet();
            return Mono.<Void>fromRunnable(() -> SECTIONS.run(SECTION)).subscribeOn(Schedulers.boundedElastic());
        }

        @DistributedLock(resource = "async:flux", ttl = 10)
        public Flux<Integer> flux() {
            SECTIONS.calls.incrementAndGet();
            return Flux.range(1, 2).doOnNext(i -> SECTIONS.run(SECTION)).subscribeOn(Schedulers.boundedElastic());
        }

        @DistributedLock(resource = "async:endless", ttl = 10)
        public Mono<Void> endless(CountDownLatch started) {
            return Mono.<Void>never().doOnSubscribe(s -> started.countDown());
        }

        @DistributedLock(resource = "async:endless-stops", ttl = 10, releaseOnCancel = true)
        public Mono<Void> endlessThatStops(CountDownLatch started) {
            return Mono.<Void>never().doOnSubscribe(s -> started.countDown());
        }

        private final CompletableFuture<Void> endless = new CompletableFuture<>();

        @DistributedLock(resource = "async:endless-future", ttl = 10)
        public CompletableFuture<Void> endlessFuture() {
            return endless;
        }

        public void finishEndlessFuture() {
            endless.complete(null);
        }

        @DistributedLock(resource = "async:waiting", ttl = 10, waitTime = 5)
        public Mono<String> waitingMono() {
            SECTIONS.calls.incrementAndGet();
            return Mono.just("ran");
        }

        @DistributedLock(resource = "async:failing", ttl = 10)
        public Mono<Void> failingMono() {
            return Mono.error(new IllegalStateException("work failed"));
        }

        @DistributedLock(resource = "async:failing-future", ttl = 10)
        public CompletableFuture<Void> failingFuture() {
            return CompletableFuture.runAsync(() -> {
                throw new IllegalStateException("work failed");
            }, WORKERS);
        }

        @DistributedLock(resource = "async:held", ttl = 10)
        public CompletableFuture<String> heldFuture() {
            SECTIONS.calls.incrementAndGet();
            return CompletableFuture.completedFuture("ran");
        }

        @DistributedLock(resource = "async:held", ttl = 10)
        public Mono<String> heldMono() {
            SECTIONS.calls.incrementAndGet();
            return Mono.just("ran");
        }

        @DistributedLock(resource = "async:held", ttl = 10)
        public Flux<String> heldFlux() {
            SECTIONS.calls.incrementAndGet();
            return Flux.just("ran");
        }

        @DistributedLock(resource = "async:held", ttl = 10, onFailure = LockFailurePolicy.THROW)
        public CompletableFuture<String> heldFutureOrThrow() {
            SECTIONS.calls.incrementAndGet();
            return CompletableFuture.completedFuture("ran");
        }

        @DistributedLock(resource = "async:held", ttl = 10, onFailure = LockFailurePolicy.THROW)
        public Mono<String> heldMonoOrThrow() {
            SECTIONS.calls.incrementAndGet();
            return Mono.just("ran");
        }
    }

    public static class AsyncWork {

        @Async
        @DistributedLock(resource = "async:annotated", ttl = 10)
        public CompletableFuture<Void> run() {
            SECTIONS.run(SECTION);
            return CompletableFuture.completedFuture(null);
        }
    }

    /** The default: @EnableAsync's advisor has the lowest precedence, so the lock is taken first, on the caller's thread. */
    @Configuration(proxyBeanMethods = false)
    @EnableAsync
    static class LockOutsideAsync {

        @Bean
        AsyncWork asyncWork() {
            return new AsyncWork();
        }
    }

    /** @Async first: the lock is taken on the executor's thread, around the method's body. */
    @Configuration(proxyBeanMethods = false)
    @EnableAsync(order = Ordered.HIGHEST_PRECEDENCE, proxyTargetClass = true)
    static class AsyncOutsideLock {

        @Bean
        AsyncWork asyncWork() {
            return new AsyncWork();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class App {

        @Bean
        Work work() {
            return new Work();
        }
    }
}
