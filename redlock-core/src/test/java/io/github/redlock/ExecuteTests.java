package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redlock.internal.Jitter;
import io.github.redlock.internal.Node;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The locked call in core ({@link Redlock#execute}, {@link Redlock#executeAsync}) and the lease's
 * lifecycle around it (close during work, cancel and close, report order, renewals), against
 * in-memory nodes and a manual clock and scheduler.
 */
class ExecuteTests {

    private static final Duration TTL = Duration.ofSeconds(10);

    private final ManualTicker ticker = new ManualTicker();
    private final Queue<Runnable> scheduled = new ArrayDeque<>();
    private final List<FakeNode> nodes = IntStream.range(0, 3)
            .mapToObj(i -> new FakeNode("redis://fake:" + (6379 + i), ticker)).toList();

    private Redlock redlock(RedlockOptions.Builder options) {
        return new Redlock(options.servers(nodes.stream().map(FakeNode::address).toList()).build(),
                List.<Node>copyOf(nodes), ticker, (task, delayNanos) -> scheduled.add(() -> {
                    ticker.advance(Duration.ofNanos(delayNanos));
                    task.run();
                }), Jitter.RANDOM);
    }

    private final Redlock redlock = redlock(RedlockOptions.builder());

    private void runScheduled() {
        for (int i = 0; i < 50 && !scheduled.isEmpty(); i++) {
            scheduled.poll().run();
        }
    }

    private long nodesHolding(String key, String value) {
        return nodes.stream().filter(node -> value.equals(node.get(key))).count();
    }

    @Test
    void executeRunsTheWorkUnderItsLockThenReleasesIt() {
        LockedCall<Long> call = redlock.execute(LockRequest.of("job", TTL), lease -> nodesHolding("job", lease.value()));

        assertThat(call.ran()).isTrue();
        assertThat(call.value()).contains(3L);
        assertThat(call.lockResult().isAcquired()).isTrue();
        assertThat(nodes).allSatisfy(node -> assertThat(node.get("job")).isNull());
        assertThat(redlock.heldLeases()).isEmpty();
    }

    @Test
    void executeReleasesWhenTheWorkThrows() {
        assertThatThrownBy(() -> redlock.execute(LockRequest.of("job", TTL), lease -> {
            throw new IllegalStateException("boom");
        })).isInstanceOf(IllegalStateException.class).hasMessage("boom");

        assertThat(nodes).allSatisfy(node -> assertThat(node.get("job")).isNull());
    }

    @Test
    void executeDoesNotRunTheWorkWithoutItsLock() {
        nodes.forEach(node -> node.put("job", "someone-else", TTL));
        AtomicBoolean ran = new AtomicBoolean();

        LockedCall<Object> call = redlock(RedlockOptions.builder().retryCount(0))
                .execute(LockRequest.of("job", TTL), lease -> ran.getAndSet(true));

        assertThat(call.ran()).isFalse();
        assertThat(ran).isFalse();
        assertThat(call.lockResult().failure()).isEqualTo(LockFailure.CONTENDED);
    }

    @Test
    void aGrantWhoseValidityRanOutBeforeTheWorkCouldStartDoesNotRunIt() {
        // A slow listener: the lock's validity runs out while it is told of the grant.
        redlock.addListener(new RedlockListener() {
            @Override
            public Consumer<LockResult> acquiring(LockRequest request) {
                return result -> ticker.advance(TTL);
            }
        });
        AtomicBoolean ran = new AtomicBoolean();

        LockedCall<Object> call = redlock.execute(LockRequest.of("job", TTL).withMinimumHold(TTL),
                lease -> ran.getAndSet(true));

        assertThat(ran).as("the work ran").isFalse();
        assertThat(call.ran()).isFalse();
        assertThat(call.lockResult().failure()).isEqualTo(LockFailure.VALIDITY_EXPIRED);
    }

    @Test
    void aGrantWithTooLittleValidityLeftIsReleasedAtOnceWhateverItsMinimumHold() {
        List<LockResult> told = new ArrayList<>();
        redlock.addListener(new RedlockListener() {
            @Override
            public Consumer<LockResult> acquiring(LockRequest request) {
                return told::add;
            }
        });
        // Each node takes 105 ms: once all three answered, a 320 ms TTL has no validity left.
        nodes.forEach(node -> node.latency(Duration.ofMillis(105)));

        LockedCall<Object> call = redlock.execute(LockRequest.of("job", Duration.ofMillis(320))
                .withMinimumHold(Duration.ofMillis(300)), lease -> "ran");

        assertThat(call.ran()).isFalse();
        assertThat(told).singleElement().satisfies(result -> assertThat(result.failure())
                .isIn(LockFailure.VALIDITY_EXPIRED));
        assertThat(nodes).allSatisfy(node -> assertThat(node.get("job")).as("released, no hold kept").isNull());
    }

    @Test
    void closingWhileTheWorkRunsLeavesItsLockToExpireAndReportsItLost() {
        Lease[] seen = new Lease[1];

        LockedCall<String> call = redlock.execute(LockRequest.of("job", TTL).withKeepAlive(true), lease -> {
            seen[0] = lease;
            redlock.close();
            return lease.value();
        });

        assertThat(call.ran()).isTrue();
        assertThat(nodesHolding("job", call.value().orElseThrow())).as("keys kept: the work was still running").isEqualTo(3);
        assertThat(seen[0].lost().toCompletableFuture()).isCompleted();
        assertThat(seen[0].isValid()).isFalse();
        runScheduled();
        assertThat(nodesHolding("job", call.value().orElseThrow())).as("no renewal, no release after close").isEqualTo(3);
    }

    @Test
    void executeAsyncHoldsTheLockUntilTheWorksStageCompletes() {
        CompletableFuture<String> work = new CompletableFuture<>();
        String[] value = new String[1];

        CompletionStage<LockedCall<String>> call = redlock.executeAsync(LockRequest.of("job", TTL), lease -> {
            value[0] = lease.value();
            return work;
        });

        assertThat(nodesHolding("job", value[0])).isEqualTo(3);
        call.toCompletableFuture().cancel(false);
        assertThat(nodesHolding("job", value[0])).as("cancelling the returned stage keeps the lock").isEqualTo(3);
        work.complete("done");
        assertThat(nodesHolding("job", value[0])).isZero();
    }

    @Test
    void executeAsyncReleasesWhenStartingTheWorkThrows() {
        assertThatThrownBy(() -> redlock.executeAsync(LockRequest.of("job", TTL), lease -> {
            throw new IllegalStateException("boom");
        })).hasMessage("boom");

        assertThat(nodes).allSatisfy(node -> assertThat(node.get("job")).isNull());
    }

    @Test
    void listenersHearAFailureBeforeTheCallerSeesIt() {
        nodes.forEach(node -> node.put("job", "someone-else", TTL));
        AtomicBoolean told = new AtomicBoolean();
        Redlock redlock = redlock(RedlockOptions.builder().retryCount(0));
        redlock.addListener(new RedlockListener() {
            @Override
            public Consumer<LockResult> acquiring(LockRequest request) {
                return result -> told.set(true);
            }
        });
        AtomicBoolean toldFirst = new AtomicBoolean();

        redlock.tryLockAsync(LockRequest.of("job", TTL)).thenAccept(result -> toldFirst.set(told.get()));

        assertThat(toldFirst).as("listener told before the caller's stage ran").isTrue();
    }

    @Test
    void closingWithACancelledCallStillWaitingEndsEverything() {
        nodes.forEach(node -> node.put("busy", "someone-else", TTL));
        Lease other = redlock.lock("other", TTL).orElseThrow();
        CompletableFuture<LockResult> waiting = redlock
                .tryLockAsync(LockRequest.of("busy", TTL).withWaitTime(Duration.ofSeconds(20))).toCompletableFuture();
        assertThat(scheduled).as("a retry is queued").isNotEmpty();

        waiting.cancel(false);
        assertThatNoException().isThrownBy(redlock::close);

        assertThat(other.isValid()).isFalse();
        assertThat(nodes).as("a held lease is left to expire, never deleted at close")
                .allSatisfy(node -> assertThat(node.get("other")).isEqualTo(other.value()));
        runScheduled();
        assertThat(nodes).allSatisfy(node -> assertThat(node.get("busy")).isEqualTo("someone-else"));
    }

    @Test
    void aFailedExtendOrCreateLeavesTheLeaseOfTheSameValueStanding() {
        Redlock redlock = redlock(RedlockOptions.builder().retryCount(0));
        nodes.get(2).put("job", "someone-else", TTL);
        Lease lease = redlock.lock("job", TTL, "host-a").orElseThrow();
        nodes.get(1).mode(FakeNode.Mode.TIMEOUT);

        assertThat(redlock.lock("job", TTL, "host-a", true)).isEmpty();

        assertThat(nodes.get(0).get("job")).as("extended by the failed call, not deleted").isEqualTo("host-a");
        assertThat(nodes.get(1).get("job")).isEqualTo("host-a");
        assertThat(lease.isValid()).isTrue();
    }

    @Test
    void anEarlierRenewalDecidingLateDoesNotUndoALaterShorterOne() {
        Lease lease = redlock.lock("job", TTL).orElseThrow();
        nodes.forEach(node -> node.mode(FakeNode.Mode.DEFERRED));
        CompletableFuture<Boolean> longer = lease.held().renew(TTL.toMillis());
        CompletableFuture<Boolean> shorter = lease.held().renew(300);

        nodes.forEach(node -> node.answer(false)); // the longer renewal: answered
        nodes.forEach(node -> node.answer(true)); // the shorter one: applied, replies lost

        assertThat(longer).isCompletedWithValue(true);
        assertThat(shorter).isCompletedWithValue(false);
        assertThat(nodes).allSatisfy(node -> assertThat(node.pttlMillis("job")).isEqualTo(300));
        assertThat(lease.remaining()).isLessThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void releaseEndsALeaseOnceAndLetExpireKeepsItsKeys() {
        Lease released = redlock.lock("a", TTL).orElseThrow();
        Lease kept = redlock.lock("b", TTL).orElseThrow();
        AtomicInteger sent = new AtomicInteger();
        redlock.addListener(new RedlockListener() {
            @Override
            public void released(Release release) {
                sent.incrementAndGet();
            }
        });

        assertThat(released.release()).isTrue();
        assertThat(released.release()).isFalse();
        kept.letExpire();

        assertThat(sent).as("releases reported").hasValue(1);
        assertThat(kept.isValid()).isFalse();
        assertThat(kept.release()).isFalse();
        assertThat(nodesHolding("b", kept.value())).isEqualTo(3);
        assertThat(redlock.heldLeases()).isEmpty();
    }

    @Test
    void aReenteringCallRunsAtOnceUnderTheHeldLeaseAndLeavesItHeld() {
        List<LockResult> told = new ArrayList<>();
        redlock.addListener(new RedlockListener() {
            @Override
            public Consumer<LockResult> acquiring(LockRequest request) {
                return told::add;
            }
        });

        LockedCall<String> outer = redlock.execute(LockRequest.of("job", TTL), lease -> {
            LockedCall<String> inner = redlock.execute(LockRequest.of("job", TTL).reentering(lease), held -> {
                assertThat(held).isSameAs(lease);
                return "inner";
            });
            assertThat(lease.isValid()).as("still held after the nested call").isTrue();
            assertThat(nodesHolding("job", lease.value())).isEqualTo(3);
            return inner.value().orElseThrow();
        });

        assertThat(outer.value()).contains("inner");
        assertThat(told).extracting(LockResult::reentered).containsExactly(false, true);
        assertThat(nodes).allSatisfy(node -> assertThat(node.get("job")).isNull());
    }

    @Test
    void aReenteringCallDoesNotRunUnderALeaseThatRanOut() {
        Lease lease = redlock.lock("job", TTL).orElseThrow();
        ticker.advance(TTL);

        LockedCall<String> call = redlock.execute(LockRequest.of("job", TTL).reentering(lease), held -> "ran");

        assertThat(call.ran()).isFalse();
        assertThat(call.lockResult().failure()).isEqualTo(LockFailure.VALIDITY_EXPIRED);
    }

    @Test
    void aReenteringRequestIsOnlyForLockedCalls() {
        Lease lease = redlock.lock("job", TTL).orElseThrow();

        assertThatThrownBy(() -> redlock.tryLock(LockRequest.of("job", TTL).reentering(lease)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("execute");
        assertThatThrownBy(() -> LockRequest.of("other", TTL).reentering(lease))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'other'");
    }

    @Test
    void theListenerHearsTheWorkStartReturnAndFinishInOrder() {
        List<String> events = new ArrayList<>();
        redlock.addListener(new RedlockListener() {
            @Override
            public Running running(LockRequest request, Lease lease) {
                events.add("running");
                return new Running() {
                    @Override
                    public void returned() {
                        events.add("returned");
                    }

                    @Override
                    public void finished(boolean expired, Throwable error) {
                        events.add("finished expired=" + expired + " error=" + (error != null ? error.getMessage() : null));
                    }
                };
            }
        });

        redlock.execute(LockRequest.of("job", TTL), lease -> events.add("work"));
        assertThatThrownBy(() -> redlock.execute(LockRequest.of("job", TTL), lease -> {
            ticker.advance(TTL);
            throw new IllegalStateException("late");
        }));

        assertThat(events).containsExactly("running", "work", "returned", "finished expired=false error=null",
                "running", "returned", "finished expired=true error=late");
    }

    @Test
    void aNonBlockingCallStartsTheWorkOnTheExecutorOnceGranted() {
        List<Runnable> executor = new ArrayList<>();
        CompletableFuture<String> work = new CompletableFuture<>();

        CompletableFuture<LockedCall<String>> call = redlock.executeAsync(LockRequest.of("job", TTL), lease -> work,
                executor::add).toCompletableFuture();

        assertThat(executor).as("the work is handed to the executor").hasSize(1);
        assertThat(call).isNotDone();
        executor.get(0).run();
        work.complete("done");
        assertThat(call).isCompletedWithValueMatching(done -> done.ran() && done.value().orElseThrow().equals("done"));
        assertThat(nodes).allSatisfy(node -> assertThat(node.get("job")).isNull());
    }

    @Test
    void aCancelledWorkKeepsItsLockUntilItExpiresUnlessTheRequestReleasesOnCancel() {
        CompletableFuture<String> kept = new CompletableFuture<>();
        CompletableFuture<String> released = new CompletableFuture<>();
        String[] values = new String[2];

        redlock.executeAsync(LockRequest.of("kept", TTL), lease -> {
            values[0] = lease.value();
            return kept;
        }, Runnable::run);
        redlock.executeAsync(LockRequest.of("released", TTL).withReleaseOnCancel(true), lease -> {
            values[1] = lease.value();
            return released;
        }, Runnable::run);
        kept.cancel(false);
        released.cancel(false);

        assertThat(nodesHolding("kept", values[0])).as("the work may still run").isEqualTo(3);
        assertThat(redlock.heldLeases()).isEmpty();
        assertThat(nodesHolding("released", values[1])).isZero();
    }

    @Test
    void aCancelledWorkWhoseLeaseWasAbandonedMeanwhileKeepsItsLock() {
        CompletableFuture<String> work = new CompletableFuture<>();
        String[] value = new String[1];
        redlock.executeAsync(LockRequest.of("abandoned", TTL), lease -> {
            value[0] = lease.value();
            lease.abandon(); // work runs under it: deferred until that work ends
            return work;
        }, Runnable::run);

        work.cancel(false);

        assertThat(nodesHolding("abandoned", value[0])).as("the cancelled work may still run").isEqualTo(3);
    }

    @Test
    void aCancelledReenteredWorkKeepsTheLockWhoseReleaseWasAskedMeanwhile() {
        Lease lease = redlock.lock("nested", TTL).orElseThrow();
        CompletableFuture<String> work = new CompletableFuture<>();
        redlock.executeAsync(LockRequest.of("nested", TTL).reentering(lease), held -> work, Runnable::run);
        redlock.release(lease); // the nested work still runs: deferred until it ends

        work.cancel(false);

        assertThat(nodesHolding("nested", lease.value())).as("the cancelled nested work may still run").isEqualTo(3);
    }

    @Test
    void cancellingANonBlockingCallWhileItWaitsStopsItAndTakesNoLock() {
        nodes.forEach(node -> node.put("job", "someone-else", Duration.ofSeconds(1)));
        AtomicBoolean ran = new AtomicBoolean();

        CompletableFuture<LockedCall<Object>> call = redlock.executeAsync(LockRequest.of("job", TTL)
                .withWaitTime(Duration.ofSeconds(5)), lease -> {
                    ran.set(true);
                    return CompletableFuture.completedFuture(null);
                }, Runnable::run).toCompletableFuture();
        call.cancel(false);
        ticker.advance(Duration.ofSeconds(2));
        runScheduled();

        assertThat(ran).isFalse();
        assertThat(nodes).allSatisfy(node -> assertThat(node.get("job")).isNull());
    }
}
