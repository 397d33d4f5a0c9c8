package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.internal.Node;
import io.github.redlock.internal.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The engine's line of waiting calls per key, against fake nodes, a manual clock and a scheduler
 * run by hand: one attempt per key on the wire, first come first served, and nothing left behind.
 * Calls without a wait do not queue.
 */
class WaitingLineTests {

    private static final Duration TTL = Duration.ofSeconds(10);

    private record Due(long atNanos, long order, Runnable task) {
    }

    private final ManualTicker ticker = new ManualTicker();
    private final PriorityQueue<Due> due = new PriorityQueue<>(Comparator.comparingLong(Due::atNanos).thenComparingLong(Due::order));
    private long scheduled;

    private List<FakeNode> nodes() {
        return IntStream.range(0, 3).mapToObj(i -> new FakeNode("redis://fake:" + (6379 + i), ticker)).toList();
    }

    private Redlock redlock(List<FakeNode> nodes) {
        return redlock(nodes, (task, delayNanos) -> due.add(new Due(ticker.nanoTime() + delayNanos, scheduled++, task)));
    }

    private Redlock redlock(List<FakeNode> nodes, Scheduler scheduler) {
        List<String> servers = nodes.stream().map(FakeNode::address).toList();
        return new Redlock(RedlockOptions.builder().servers(servers).retryJitter(Duration.ZERO).build(),
                List.<Node>copyOf(nodes), ticker, scheduler, bound -> bound);
    }

    /** Runs what comes due within {@code span} from now, moving the clock. */
    private void runFor(Duration span) {
        long end = ticker.nanoTime() + span.toNanos();
        for (int run = 0; !due.isEmpty() && due.peek().atNanos() <= end; run++) {
            if (run > 10_000) {
                throw new AssertionError("more than 10,000 tasks came due: a task reschedules itself without end");
            }
            Due next = due.poll();
            if (next.atNanos() > ticker.nanoTime()) {
                ticker.advance(Duration.ofNanos(next.atNanos() - ticker.nanoTime()));
            }
            next.task().run();
        }
    }

    /** The outcome of {@code call}, which must be complete within 5 s (never blocks the build for longer). */
    private static LockResult result(CompletableFuture<LockResult> call) {
        assertThat(call).succeedsWithin(Duration.ofSeconds(5));
        return call.join();
    }

    @Test
    void theCallsOfOneEngineWaitingForAKeyPutOneAttemptAtATimeOnTheWire() {
        List<FakeNode> nodes = nodes();
        nodes.forEach(node -> node.put("job", "other", Duration.ofHours(1)));
        Redlock redlock = redlock(nodes);
        List<CompletableFuture<LockResult>> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(redlock.tryLockAsync(LockRequest.of("job", TTL).withWaitTime(Duration.ofSeconds(1))).toCompletableFuture());
        }

        assertThat(nodes).allSatisfy(node -> assertThat(node.acquireCalls.get()).as("the head's first attempt only").isEqualTo(1));
        assertThat(redlock.waiters().waiting()).isEqualTo(5);
        assertThat(redlock.waiters().lines()).isEqualTo(1);

        runFor(Duration.ofSeconds(2));

        // Every 200 ms the head retries; the others time out in the line at 1 s, never on the wire.
        assertThat(calls).allSatisfy(call -> assertThat(result(call).failure()).isEqualTo(LockFailure.CONTENDED));
        int headAttempts = result(calls.get(0)).attempts();
        assertThat(headAttempts).isGreaterThan(1);
        assertThat(calls.subList(1, 5)).allSatisfy(call -> assertThat(result(call).attempts()).isZero());
        assertThat(nodes).allSatisfy(node -> assertThat(node.acquireCalls.get()).isEqualTo(headAttempts));
        assertThat(redlock.waiters().waiting()).isZero();
        assertThat(redlock.waiters().lines()).isZero();
        assertThat(redlock.waiters().timers()).isZero();
    }

    @Test
    void theNextInLineAttemptsAsSoonAsTheHeadIsGrantedAndIsServedInTurn() {
        List<FakeNode> nodes = nodes();
        Redlock redlock = redlock(nodes);
        LockRequest waiting = LockRequest.of("job", TTL).withWaitTime(Duration.ofSeconds(5));
        LockResult first = result(redlock.tryLockAsync(waiting).toCompletableFuture());
        CompletableFuture<LockResult> second = redlock.tryLockAsync(waiting).toCompletableFuture();
        CompletableFuture<LockResult> third = redlock.tryLockAsync(waiting).toCompletableFuture();

        assertThat(first.isAcquired()).isTrue();
        assertThat(second).isNotDone();
        assertThat(third).isNotDone();

        first.lease().orElseThrow().release();
        runFor(Duration.ofMillis(300));

        assertThat(result(second).isAcquired()).as("the second in line, at its retry").isTrue();
        assertThat(third).as("the third still waits behind it").isNotDone();
        assertThat(third.isDone()).isFalse();
        result(second).lease().orElseThrow().release();
        runFor(Duration.ofMillis(600));
        assertThat(result(third).isAcquired()).isTrue();
        assertThat(redlock.waiters().waiting()).isZero();
    }

    @Test
    void theNextInLineLeadsEvenWhenEndingTheHeadFails() {
        List<FakeNode> nodes = nodes();
        nodes.forEach(node -> node.put("job", "other", Duration.ofMillis(500)));
        AtomicInteger cancellable = new AtomicInteger();
        Redlock redlock = redlock(nodes, new Scheduler() {
            @Override
            public void schedule(Runnable task, long delayNanos) {
                due.add(new Due(ticker.nanoTime() + delayNanos, scheduled++, task));
            }

            @Override
            public Runnable scheduleCancellable(Runnable task, long delayNanos) {
                Runnable cancel = Scheduler.super.scheduleCancellable(task, delayNanos);
                if (cancellable.incrementAndGet() > 1) {
                    return cancel;
                }
                return () -> { // the head's retry timer
                    cancel.run();
                    throw new IllegalStateException("a timer that fails as it is cancelled");
                };
            }
        });
        LockRequest waiting = LockRequest.of("job", TTL).withWaitTime(Duration.ofSeconds(5));
        CompletableFuture<LockResult> head = redlock.tryLockAsync(waiting).toCompletableFuture();
        CompletableFuture<LockResult> next = redlock.tryLockAsync(waiting).toCompletableFuture();

        head.cancel(false); // ending it cancels its retry timer, which throws
        runFor(Duration.ofSeconds(6));

        LockResult served = result(next);
        assertThat(served.isAcquired()).as("the next in line, once the holder's key expired: %s", served).isTrue();
        assertThat(redlock.waiters().waiting()).isZero();
    }

    @Test
    void callsWithoutAWaitDoNotQueue() {
        List<FakeNode> nodes = nodes();
        nodes.forEach(node -> node.put("job", "other", Duration.ofHours(1)));
        Redlock redlock = redlock(nodes);

        CompletableFuture<LockResult> tick = redlock.tryLockAsync(LockRequest.of("job", TTL).withRetryWhenHeld(false)
                .withWaitTime(Duration.ofSeconds(1))).toCompletableFuture();
        CompletableFuture<LockResult> noWait = redlock.tryLockAsync(LockRequest.of("job", TTL)).toCompletableFuture();

        assertThat(result(tick).failure()).isEqualTo(LockFailure.CONTENDED);
        assertThat(redlock.waiters().waiting()).as("neither queues").isZero();
        runFor(Duration.ofSeconds(2));
        assertThat(result(noWait).attempts()).as("retryCount + 1, as before").isEqualTo(4);
    }
}
