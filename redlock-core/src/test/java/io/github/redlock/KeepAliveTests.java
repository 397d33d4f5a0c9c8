package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.internal.Jitter;
import io.github.redlock.internal.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** When {@link KeepAlive} renews, retries and gives up: the arithmetic, against in-memory nodes and a manual clock. */
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

    @Test
    void renewsAboutEveryThirdOfTheTtlAndHandsOutTheRenewedLease() {
        Lease lease = redlock.lock("job", TTL).orElseThrow();
        KeepAlive kept = redlock.keepAlive(lease, TTL);

        for (int i = 0; i < 10; i++) {
            Lease before = kept.lease();
            Duration wait = runNext();
            assertThat(wait).isBetween(Duration.ofMillis(900), Duration.ofSeconds(1));
            assertThat(kept.lease()).isNotSameAs(before);
            assertThat(kept.isHeld()).isTrue();
        }
        nodes.forEach(node -> assertThat(node.pttlMillis("job")).isEqualTo(TTL.toMillis()));
        assertThat(kept.lost().toCompletableFuture()).isNotDone();
    }

    @Test
    void aRenewalWithTooFewAnswersIsRetriedSoonerWhileTheLeaseIsValid() {
        Lease lease = redlock.lock("job", TTL).orElseThrow();
        KeepAlive kept = redlock.keepAlive(lease, TTL);
        nodes.get(0).mode(FakeNode.Mode.TIMEOUT);
        nodes.get(1).mode(FakeNode.Mode.ERROR);

        runNext(); // fails: one node of three answered
        assertThat(kept.lease()).isSameAs(lease);
        assertThat(kept.isHeld()).isTrue();
        nodes.get(0).mode(FakeNode.Mode.UP);
        nodes.get(1).mode(FakeNode.Mode.UP);
        Duration retry = runNext();

        assertThat(retry).as("a third of the validity left").isBetween(Duration.ofMillis(600), Duration.ofMillis(700));
        assertThat(kept.lease()).isNotSameAs(lease);
        assertThat(kept.lease().remaining()).isGreaterThan(Duration.ofMillis(2_900));
    }

    @Test
    void aLeaseThatRunsOutBeforeARenewalSucceedsIsLost() {
        Lease lease = redlock.lock("job", TTL).orElseThrow();
        KeepAlive kept = redlock.keepAlive(lease, TTL);
        nodes.get(0).mode(FakeNode.Mode.TIMEOUT);
        nodes.get(1).mode(FakeNode.Mode.TIMEOUT);

        int renewals = 0;
        while (!scheduled.isEmpty() && renewals++ < 100) {
            runNext();
        }

        assertThat(kept.lost().toCompletableFuture()).isCompletedWithValue(lease);
        assertThat(kept.isHeld()).isFalse();
        assertThat(renewals).as("attempts before the lease ran out").isBetween(3, 60);
    }

    @Test
    void aRenewalRefusedByAQuorumIsLostAtOnce() {
        Lease lease = redlock.lock("job", TTL).orElseThrow();
        KeepAlive kept = redlock.keepAlive(lease, TTL);
        nodes.get(0).put("job", "someone-else", TTL);
        nodes.get(1).put("job", "someone-else", TTL);

        runNext();

        assertThat(kept.lost().toCompletableFuture()).isCompletedWithValue(lease);
        assertThat(scheduled).as("no renewal after the loss").isEmpty();
        assertThat(nodes.get(0).get("job")).isEqualTo("someone-else");
    }

    @Test
    void aReleasedKeepAliveRenewsNoMore() {
        Lease lease = redlock.lock("job", TTL).orElseThrow();
        KeepAlive kept = redlock.keepAlive(lease, TTL);

        assertThat(kept.release()).isTrue();
        runNext(); // the renewal that was due finds the keep-alive released

        assertThat(scheduled).isEmpty();
        nodes.forEach(node -> assertThat(node.get("job")).isNull());
        assertThat(kept.lost().toCompletableFuture()).isNotDone();
    }
}
