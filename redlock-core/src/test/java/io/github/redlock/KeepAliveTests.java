package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.internal.Jitter;
import io.github.redlock.internal.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** When a kept-alive lease renews, retries and gives up: the arithmetic, against in-memory nodes and a manual clock. */
class KeepAliveTests {

    private static final Duration TTL = Duration.ofSeconds(3);

    private record Scheduled(long dueNanos, Runnable task) {
    }

    private final ManualTicker ticker = new ManualTicker();
    private final List<Scheduled> scheduled = new ArrayList<>();
    private final List<FakeNode> nodes = IntStream.range(0, 3)
            .mapToObj(i -> new FakeNode("redis://fake:" + (6379 + i), ticker)).toList();
    private final Redlock redlock = new Redlock(
            RedlockOptions.builder().servers(nodes.stream().map(FakeNode::address).toList()).build(),
            List.<Node>copyOf(nodes), ticker, (task, delayNanos) -> scheduled.add(new Scheduled(ticker.nanoTime() + delayNanos, task)),
            Jitter.RANDOM);

    /** Runs the next scheduled task at its time; returns how long after now it was due. */
    private Duration runNext() {
        Scheduled next = scheduled.stream().min((a, b) -> Long.compare(a.dueNanos(), b.dueNanos())).orElseThrow();
        scheduled.remove(next);
        Duration wait = Duration.ofNanos(Math.max(0, next.dueNanos() - ticker.nanoTime()));
        ticker.advance(wait);
        next.task().run();
        return wait;
    }

    private Lease keptAlive() {
        return redlock.tryLock(LockRequest.of("job", TTL).withKeepAlive(true)).leaseOrThrow();
    }

    @Test
    void renewsAboutEveryThirdOfTheTtlAndKeepsTheLeaseValid() {
        Lease lease = keptAlive();

        for (int i = 0; i < 10; i++) {
            Duration wait = runNext();
            assertThat(wait).isBetween(Duration.ofMillis(900), Duration.ofSeconds(1));
            assertThat(lease.isValid()).isTrue();
            assertThat(lease.remaining()).isGreaterThan(Duration.ofMillis(2_900));
        }
        nodes.forEach(node -> assertThat(node.pttlMillis("job")).isEqualTo(TTL.toMillis()));
        assertThat(lease.lost().toCompletableFuture()).isNotDone();
    }

    @Test
    void aRenewalWithTooFewAnswersIsRetriedSoonerWhileTheLeaseIsValid() {
        Lease lease = keptAlive();
        nodes.get(0).mode(FakeNode.Mode.TIMEOUT);
        nodes.get(1).mode(FakeNode.Mode.ERROR);

        runNext(); // fails: one node of three answered
        assertThat(lease.isValid()).isTrue();
        assertThat(lease.remaining()).isLessThan(Duration.ofSeconds(2));
        nodes.get(0).mode(FakeNode.Mode.UP);
        nodes.get(1).mode(FakeNode.Mode.UP);
        Duration retry = runNext();

        assertThat(retry).as("a third of the validity left").isBetween(Duration.ofMillis(600), Duration.ofMillis(700));
        assertThat(lease.remaining()).isGreaterThan(Duration.ofMillis(2_900));
    }

    @Test
    void aLeaseThatRunsOutBeforeARenewalSucceedsIsLost() {
        Lease lease = keptAlive();
        nodes.get(0).mode(FakeNode.Mode.TIMEOUT);
        nodes.get(1).mode(FakeNode.Mode.TIMEOUT);

        int renewals = 0;
        while (!scheduled.isEmpty() && renewals++ < 100) {
            runNext();
        }

        assertThat(lease.lost().toCompletableFuture()).isCompletedWithValue(lease);
        assertThat(lease.isValid()).isFalse();
        assertThat(renewals).as("attempts before the lease ran out").isBetween(3, 60);
    }

    @Test
    void aRenewalRefusedByAQuorumIsLostAtOnce() {
        Lease lease = keptAlive();
        nodes.get(0).put("job", "someone-else", TTL);
        nodes.get(1).put("job", "someone-else", TTL);

        runNext();

        assertThat(lease.lost().toCompletableFuture()).isCompletedWithValue(lease);
        assertThat(lease.isValid()).as("a lock a quorum refused is gone").isFalse();
        assertThat(scheduled).as("no renewal after the loss").isEmpty();
        assertThat(nodes.get(0).get("job")).isEqualTo("someone-else");
    }

    @Test
    void aReleasedLeaseRenewsNoMore() {
        Lease lease = keptAlive();

        assertThat(lease.release()).isTrue();
        runNext(); // the renewal that was due finds the lease released

        assertThat(scheduled).isEmpty();
        nodes.forEach(node -> assertThat(node.get("job")).isNull());
        assertThat(lease.lost().toCompletableFuture()).isNotDone();
        assertThat(lease.release()).as("a second release").isFalse();
    }

    @Test
    void aRenewalToAShorterTtlThatFailsStillCutsTheValidity() {
        Lease lease = redlock.lock("job", Duration.ofSeconds(10)).orElseThrow();
        nodes.get(0).mode(FakeNode.Mode.TIMEOUT);
        nodes.get(1).mode(FakeNode.Mode.TIMEOUT);

        assertThat(redlock.extend(lease, Duration.ofMillis(300))).isEmpty();

        // The nodes that missed the reply may have shortened the key all the same.
        assertThat(lease.remaining()).isLessThanOrEqualTo(Duration.ofMillis(300));
    }
}
