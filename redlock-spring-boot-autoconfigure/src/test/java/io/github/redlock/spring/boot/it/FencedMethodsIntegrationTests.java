package io.github.redlock.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redlock.Lease;
import io.github.redlock.LockFailure;
import io.github.redlock.LockNotAcquiredException;
import io.github.redlock.Redlock;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.LockContext;
import io.github.redlock.spring.LockFailurePolicy;
import io.github.redlock.spring.boot.autoconfigure.DistributedLockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;

/**
 * {@code @DistributedLock(fenced = true)} on real nodes: the method runs only with a fencing token,
 * which {@link LockContext} gives inside it (per thread for plain and {@code CompletionStage}
 * methods, in the subscriber context for reactive ones).
 */
class FencedMethodsIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final AtomicInteger RUNS = new AtomicInteger();

    /** Without quarantine: the nodes are flushed before each test, so they start without counters. */
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RedlockAutoConfiguration.class, DistributedLockAutoConfiguration.class))
            .withUserConfiguration(App.class)
            .withPropertyValues("redlock.servers=" + String.join(",", redis.uris()), "redlock.fencing.quarantine=0");

    @BeforeEach
    void reset() {
        RUNS.set(0);
    }

    @Test
    void aFencedMethodSeesItsTokenAndAnUnfencedOneALeaseWithout() {
        runner.run(context -> {
            Work work = context.getBean(Work.class);
            // Ahead of the clocks (about 2030, in µs): the counters alone, not the time floor, order the tokens.
            String counterKey = context.getBean(Redlock.class).options().fencingCounterKey();
            for (int i = 0; i < 3; i++) {
                redis.node(i).command("HSET", counterKey, "counter", "1900000000000000");
            }

            long first = work.fenced().orElseThrow();
            long second = work.fenced().orElseThrow();

            assertThat(first).isGreaterThan(1_900_000_000_000_000L);
            assertThat(second).isGreaterThan(first);
            assertThat(work.unfenced()).isEmpty();
            assertThat(RUNS).hasValue(3);
            assertThat(LockContext.currentLease()).as("outside a locked method").isEmpty();
        });
    }

    @Test
    void nestedCallsSeeTheirOwnLeaseAndTheOuterOneAgainAfter() {
        runner.run(context -> {
            List<Long> seen = context.getBean(Work.class).outer();

            assertThat(seen).hasSize(3);
            assertThat(seen.get(1)).as("inner").isNotEqualTo(seen.get(0));
            assertThat(seen.get(2)).as("outer again").isEqualTo(seen.get(0));
        });
    }

    @Test
    void aCompletionStageMethodSeesItsTokenInItsBody() {
        runner.run(context -> {
            OptionalLong token = context.getBean(Work.class).stage().join();

            assertThat(token).isPresent();
        });
    }

    @Test
    void aReactiveMethodFindsItsLeaseInTheSubscriberContext() {
        runner.run(context -> {
            Lease lease = context.getBean(Work.class).mono().block(Duration.ofSeconds(10));

            assertThat(lease).isNotNull();
            assertThat(lease.resource()).isEqualTo("fenced:mono");
            assertThat(lease.fencingToken()).isPresent();
        });
    }

    @Test
    void aFencedMethodDoesNotRunWhenNoTokenCanBeHandedOut() {
        // Every server is new (flushed): with a quarantine, none mints before it ends.
        runner.withPropertyValues("redlock.fencing.quarantine=60s").run(context -> {
            Work work = context.getBean(Work.class);

            assertThat(work.fenced()).as("skipped").isNull();
            assertThatThrownBy(work::fencedOrThrow).isInstanceOfSatisfying(LockNotAcquiredException.class,
                    e -> assertThat(e.failure()).isEqualTo(LockFailure.UNAVAILABLE));
            assertThat(RUNS).as("fenced methods run").hasValue(0);
            assertThat(work.unfenced()).as("an unfenced method runs").isEmpty();
            assertThat(RUNS).hasValue(1);
        });
    }

    @Test
    void aFencedMethodInsideAnUnfencedOneOnTheSameKeyDoesNotRun() {
        runner.run(context -> {
            assertThat(context.getBean(Work.class).unfencedAroundFenced()).as("the inner call was skipped").isEmpty();
            assertThat(RUNS).as("only the outer method ran").hasValue(1);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class App {

        @Bean
        Work work(Inner inner) {
            return new Work(inner);
        }

        @Bean
        Inner inner() {
            return new Inner();
        }
    }

    static class Work {

        private final Inner inner;

        Work(Inner inner) {
            this.inner = inner;
        }

        private static OptionalLong current() {
            return LockContext.currentLease().orElseThrow().fencingToken();
        }

        @DistributedLock(resource = "fenced:plain", fenced = true)
        public OptionalLong fenced() {
            RUNS.incrementAndGet();
            return current();
        }

        @DistributedLock(resource = "fenced:plain", fenced = true, onFailure = LockFailurePolicy.THROW)
        public OptionalLong fencedOrThrow() {
            RUNS.incrementAndGet();
            return current();
        }

        @DistributedLock(resource = "unfenced:plain")
        public OptionalLong unfenced() {
            RUNS.incrementAndGet();
            return current();
        }

        @DistributedLock(resource = "fenced:outer", fenced = true)
        public List<Long> outer() {
            long before = current().orElseThrow();
            Long nested = inner.nested();
            return List.of(before, nested, current().orElseThrow());
        }

        @DistributedLock(resource = "fenced:stage", fenced = true)
        public CompletableFuture<OptionalLong> stage() {
            return CompletableFuture.completedFuture(current());
        }

        @DistributedLock(resource = "fenced:mono", fenced = true)
        public Mono<Lease> mono() {
            return Mono.deferContextual(context -> Mono.justOrEmpty(LockContext.currentLease(context)));
        }

        @DistributedLock(resource = "fenced:shared")
        public Optional<Long> unfencedAroundFenced() {
            RUNS.incrementAndGet();
            return Optional.ofNullable(inner.fencedOnShared());
        }
    }

    static class Inner {

        @DistributedLock(resource = "fenced:inner", fenced = true)
        public Long nested() {
            return LockContext.currentLease().orElseThrow().fencingToken().orElseThrow();
        }

        @DistributedLock(resource = "fenced:shared", fenced = true)
        public Long fencedOnShared() {
            RUNS.incrementAndGet();
            return 1L;
        }
    }
}
