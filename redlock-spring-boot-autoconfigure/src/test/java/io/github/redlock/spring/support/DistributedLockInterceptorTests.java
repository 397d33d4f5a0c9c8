package io.github.redlock.spring.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import io.github.redlock.FakeRedlock;
import io.github.redlock.LockNotAcquiredException;
import io.github.redlock.Redlock;
import io.github.redlock.RedlockListener;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.LockFailurePolicy;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.aopalliance.intercept.MethodInterceptor;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.mock.env.MockEnvironment;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The advice's contract, against the engine over in-memory nodes: the method runs only under its
 * lock, in every shape (plain, {@code CompletionStage}, reactive), nested calls re-enter, every
 * subscription is a full advised call, a cancel keeps the lock, and calls that never reach an engine
 * are reported.
 */
@ExtendWith(OutputCaptureExtension.class)
class DistributedLockInterceptorTests {

    private final FakeRedlock fake = FakeRedlock.withNodes(3);
    private final List<String> notAttempted = new ArrayList<>();
    private @Nullable Redlock engine = fake.redlock();

    record Tenant(String name) {
    }

    /** Records how many nodes hold the method's key while it runs. */
    public static class Jobs {

        final FakeRedlock fake;
        @Nullable Inner inner;
        final AtomicInteger runs = new AtomicInteger();
        final Sinks.Empty<Void> reactiveWork = Sinks.empty();

        public Jobs(FakeRedlock fake) {
            this.fake = fake;
        }

        @DistributedLock(resource = "#{@tenant.name}:#{#id}", onFailure = LockFailurePolicy.THROW)
        public void tenantJob(String id) {
        }

        @DistributedLock(resource = "report")
        public @Nullable Long report() {
            runs.incrementAndGet();
            return fake.holding("report");
        }

        @DistributedLock(resource = "report")
        public Optional<String> optionalReport() {
            runs.incrementAndGet();
            return Optional.of("ran");
        }

        @DistributedLock(resource = "report", onFailure = LockFailurePolicy.THROW)
        public String strictReport() {
            runs.incrementAndGet();
            return "ran";
        }

        @DistributedLock(resource = "order:#{#id}")
        public String outer(long id) {
            return "outer ran, inner: " + inner().inner(id);
        }

        @DistributedLock(resource = "order:#{#id}", onFailure = LockFailurePolicy.THROW)
        public String outerStrict(long id) {
            return "outer ran, inner: " + inner().innerStrict(id);
        }

        @DistributedLock(resource = "order:#{#id}")
        public String outerBlockingOnReactive(long id) {
            return "outer ran, inner: " + inner().innerReactive(id).block();
        }

        @DistributedLock(resource = "order:#{#id}")
        public String outerOnOtherKey(long id) {
            return "outer ran, inner: " + inner().inner(id + 1);
        }

        @DistributedLock(resource = "order:#{#id}")
        public String outerStartingWork(long id, CompletableFuture<String> work) {
            inner().innerWork(id, work); // not joined: the nested work outlives this call
            return "outer ran";
        }

        @DistributedLock(resource = "order:#{#id}")
        public CompletableFuture<String> outerStage(long id) {
            return inner().innerStage(id).thenApply(inner -> "outer ran, inner: " + inner);
        }

        @DistributedLock(resource = "stage")
        public CompletableFuture<String> stage(CompletableFuture<String> work) {
            runs.incrementAndGet();
            return work;
        }

        @DistributedLock(resource = "rx")
        public Mono<Void> reactive() {
            runs.incrementAndGet();
            return reactiveWork.asMono();
        }

        @DistributedLock(resource = "rx-stops", releaseOnCancel = true)
        public Mono<Void> reactiveThatStops() {
            return reactiveWork.asMono();
        }

        @DistributedLock(resource = "order:#{#id}")
        public Mono<String> outerReactive(long id) {
            return inner().innerReactive(id).map(inner -> "outer ran, inner: " + inner);
        }

        @DistributedLock(resource = "order:#{#id}")
        public String byOrder(@Nullable Long id) {
            runs.incrementAndGet();
            return "ran";
        }

        @DistributedLock(resource = "#{#p0.missing}")
        public void unevaluable(String id) {
        }

        private Inner inner() {
            Inner found = inner;
            if (found == null) {
                throw new IllegalStateException("no inner bean");
            }
            return found;
        }
    }

    public static class Inner {

        @DistributedLock(resource = "order:#{#id}")
        public String inner(long id) {
            return "inner ran";
        }

        @DistributedLock(resource = "order:#{#id}", onFailure = LockFailurePolicy.THROW, waitTime = 5)
        public String innerStrict(long id) {
            return "inner ran";
        }

        @DistributedLock(resource = "order:#{#id}")
        public CompletableFuture<String> innerStage(long id) {
            return CompletableFuture.completedFuture("inner ran");
        }

        @DistributedLock(resource = "order:#{#id}")
        public CompletableFuture<String> innerWork(long id, CompletableFuture<String> work) {
            return work;
        }

        @DistributedLock(resource = "order:#{#id}")
        public Mono<String> innerReactive(long id) {
            return Mono.just("inner ran");
        }
    }

    private DistributedLockInterceptor interceptor() {
        DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
        beans.registerSingleton("tenant", new Tenant("acme"));
        RedlockListener listener = new RedlockListener() {
            @Override
            public void notAttempted(String name, Map<String, String> tags, @Nullable Throwable error) {
                notAttempted.add(name + " " + tags + " " + (error != null ? "error" : "no engine"));
            }
        };
        return new DistributedLockInterceptor(new DistributedLockOperationSource(new MockEnvironment()), () -> engine,
                () -> listener, () -> ObservationRegistry.NOOP, Duration.ofSeconds(10), beans);
    }

    private <T> T proxy(T target, MethodInterceptor... inner) {
        ProxyFactory factory = new ProxyFactory(target);
        factory.setProxyTargetClass(true);
        factory.addAdvice(interceptor());
        for (MethodInterceptor advice : inner) {
            factory.addAdvice(advice);
        }
        @SuppressWarnings("unchecked")
        T proxy = (T) factory.getProxy();
        return proxy;
    }

    /** The bean behind the proxy: a CGLIB proxy's own fields are not the target's. */
    private final Jobs target = new Jobs(fake);

    private Jobs jobs() {
        target.inner = proxy(new Inner());
        return proxy(target);
    }

    @Test
    void beanReferencesInTemplatesResolveAgainstTheBeanFactory() {
        fake.heldElsewhere("acme:7", Duration.ofSeconds(10));

        assertThatExceptionOfType(LockNotAcquiredException.class).isThrownBy(() -> jobs().tenantJob("7"))
                .satisfies(e -> assertThat(e.resource()).isEqualTo("acme:7"));
    }

    @Test
    void theMethodRunsUnderItsLockAndTheLockEndsWithIt() {
        Jobs jobs = jobs();

        assertThat(jobs.report()).as("nodes holding the key while it ran").isEqualTo(3);
        assertThat(fake.holding("report")).isZero();
    }

    @Test
    void aMethodWhoseLockIsHeldElsewhereIsSkippedOrThrows() {
        fake.heldElsewhere("report", Duration.ofSeconds(10));
        Jobs jobs = jobs();

        assertThat(jobs.report()).isNull();
        assertThat(jobs.optionalReport()).isEmpty();
        assertThatExceptionOfType(LockNotAcquiredException.class).isThrownBy(jobs::strictReport);
        assertThat(target.runs).hasValue(0);
    }

    @Test
    void aNestedCallOnTheKeyItsCallerHoldsRunsUnderThatLock() {
        Jobs jobs = jobs();

        assertThat(jobs.outer(1)).isEqualTo("outer ran, inner: inner ran");
        assertThat(jobs.outerStrict(2)).isEqualTo("outer ran, inner: inner ran");
        assertThat(jobs.outerStage(3).join()).isEqualTo("outer ran, inner: inner ran");
        assertThat(jobs.outerReactive(4).block()).isEqualTo("outer ran, inner: inner ran");
        assertThat(jobs.outerBlockingOnReactive(8)).isEqualTo("outer ran, inner: inner ran");
        assertThat(fake.holding("order:1") + fake.holding("order:2") + fake.holding("order:3") + fake.holding("order:4"))
                .as("every lock ended with its outer call").isZero();
    }

    @Test
    void aNestedCallsWorkThatOutlivesItsCallerKeepsTheLockUntilItEnds() {
        Jobs jobs = jobs();
        CompletableFuture<String> work = new CompletableFuture<>();

        assertThat(jobs.outerStartingWork(7, work)).isEqualTo("outer ran");

        assertThat(fake.holding("order:7")).as("held while the nested work runs").isEqualTo(3);
        work.complete("done");
        assertThat(fake.holding("order:7")).isZero();
    }

    @Test
    void aNestedCallOnAnotherKeyTakesItsOwnLock() {
        fake.heldElsewhere("order:6", Duration.ofSeconds(10));

        assertThat(jobs().outerOnOtherKey(5)).isEqualTo("outer ran, inner: null");
    }

    @Test
    void aStageMethodHoldsItsLockUntilItsStageCompletes() {
        Jobs jobs = jobs();
        CompletableFuture<String> work = new CompletableFuture<>();

        CompletableFuture<String> returned = jobs.stage(work);

        assertThat(fake.holding("stage")).isEqualTo(3);
        returned.cancel(false);
        assertThat(fake.holding("stage")).as("cancelling the returned future does not end the lock").isEqualTo(3);
        work.complete("done");
        assertThat(fake.holding("stage")).isZero();
    }

    @Test
    void everySubscriptionIsAFullAdvisedCall() {
        AtomicInteger innerAdvice = new AtomicInteger();
        Jobs jobs = proxy(target, invocation -> {
            innerAdvice.incrementAndGet();
            return invocation.proceed();
        });
        target.reactiveWork.tryEmitEmpty();
        Mono<Void> locked = jobs.reactive();

        locked.block();
        locked.block();

        assertThat(target.runs).hasValue(2);
        assertThat(innerAdvice).as("advice ordered inside the lock, per subscription").hasValue(2);
    }

    @Test
    void aCancelledSubscriptionKeepsItsLockUntilItExpires() {
        Jobs jobs = jobs();

        Disposable subscription = jobs.reactive().subscribe();
        assertThat(fake.holding("rx")).isEqualTo(3);
        subscription.dispose();

        assertThat(fake.holding("rx")).as("the work behind the publisher may go on").isEqualTo(3);
        fake.advance(Duration.ofSeconds(10));
        assertThat(fake.holding("rx")).isZero();
    }

    @Test
    void releaseOnCancelReleasesTheLockOfACancelledSubscription() {
        Jobs jobs = jobs();

        Disposable subscription = jobs.reactiveThatStops().subscribe();
        assertThat(fake.holding("rx-stops")).isEqualTo(3);
        subscription.dispose();

        assertThat(fake.holding("rx-stops")).isZero();
    }

    @Test
    void aKeyPartThatEvaluatesToNullFailsTheCallWithoutRunningIt() {
        Jobs jobs = jobs();

        assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> jobs.byOrder(null))
                .withMessageContaining("byOrder(Long)").withMessageContaining("'order:#{#id}'")
                .withMessageContaining("evaluated to null");

        assertThat(target.runs).hasValue(0);
        assertThat(fake.holding("order:")).as("the shared wrong key").isZero();
        assertThat(notAttempted).containsExactly("order:#{#id} {policy=skip} error");
    }

    @Test
    void aLostQuorumIsLoggedOnceWhenLostAndOnceWhenBack(CapturedOutput output) {
        Jobs jobs = jobs();
        fake.down(0, true);
        fake.down(1, true);

        for (int tick = 0; tick < 5; tick++) {
            assertThat(jobs.report()).isNull();
        }
        fake.down(0, false);
        fake.down(1, false);
        assertThat(jobs.report()).isEqualTo(3);
        assertThat(jobs.report()).isEqualTo(3);

        assertThat(output.getOut().lines().filter(line -> line.contains("WARN") && line.contains("too few Redis nodes")))
                .as("warnings of the lost quorum").hasSize(1);
        assertThat(output.getOut().lines().filter(line -> line.contains("INFO") && line.contains("quorum is back")))
                .as("notices of its return").hasSize(1);
    }

    @Test
    void callsThatNeverReachAnEngineAreReportedAndNeverRun() {
        engine = null;
        Jobs jobs = jobs();

        assertThat(jobs.report()).isNull();
        assertThatExceptionOfType(LockNotAcquiredException.class).isThrownBy(jobs::strictReport);
        assertThatExceptionOfType(RuntimeException.class).isThrownBy(() -> jobs.unevaluable("1"));

        assertThat(target.runs).hasValue(0);
        assertThat(notAttempted).containsExactly("report {policy=skip} no engine", "report {policy=throw} no engine",
                "#{#p0.missing} {policy=skip} error");
    }
}
