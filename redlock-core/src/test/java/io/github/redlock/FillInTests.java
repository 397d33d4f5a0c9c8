package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.internal.Jitter;
import io.github.redlock.internal.Node;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Fill-in after a grant, against fake nodes and a manual clock and scheduler (the arithmetic and the rules). */
class FillInTests {

    private static final Duration TTL = Duration.ofSeconds(10);

    private final ManualTicker ticker = new ManualTicker();
    private final Queue<Runnable> scheduled = new ArrayDeque<>();
    private final List<FakeNode> nodes = IntStream.range(0, 5)
            .mapToObj(i -> new FakeNode("redis://fake:" + (6379 + i), ticker)).toList();
    private final Redlock redlock = new Redlock(
            RedlockOptions.builder().servers(nodes.stream().map(FakeNode::address).toList()).build(),
            List.<Node>copyOf(nodes), ticker, (task, delayNanos) -> scheduled.add(() -> {
                ticker.advance(Duration.ofNanos(delayNanos));
                task.run();
            }), Jitter.RANDOM);

    private void runScheduled() {
        for (int i = 0; i < 20 && !scheduled.isEmpty(); i++) {
            scheduled.poll().run();
        }
    }

    @Test
    void aNodeThatDidNotAnswerGetsTheKeyLaterAndTheLeaseStandsOnEveryNode() {
        nodes.get(4).mode(FakeNode.Mode.ERROR);
        Lease lease = redlock.lock("report", TTL).orElseThrow();
        assertThat(lease.nodes()).isEqualTo(4);
        nodes.get(4).mode(FakeNode.Mode.UP);

        runScheduled();

        assertThat(nodes.get(4).get("report")).isEqualTo(lease.value());
        assertThat(lease.nodes()).isEqualTo(5);
        assertThat(redlock.fillInCounts().created()).isEqualTo(1);
    }

    @Test
    void aFilledInKeyNeverOutlivesTheLease() {
        nodes.get(4).mode(FakeNode.Mode.ERROR);
        Lease lease = redlock.lock("report", TTL).orElseThrow();
        nodes.get(4).mode(FakeNode.Mode.UP);
        ticker.advance(Duration.ofSeconds(3));

        runScheduled();

        assertThat(nodes.get(4).pttlMillis("report")).isPositive().isLessThanOrEqualTo(lease.remaining().toMillis());
    }

    @Test
    void fillInNeverOverwritesAnotherValue() {
        nodes.get(3).put("report", "someone-else", TTL);
        nodes.get(4).put("report", "someone-else", TTL);
        Lease lease = redlock.lock("report", TTL).orElseThrow();

        runScheduled();

        assertThat(nodes.get(3).get("report")).isEqualTo("someone-else");
        assertThat(nodes.get(4).get("report")).isEqualTo("someone-else");
        assertThat(lease.nodes()).isEqualTo(3);
        assertThat(redlock.fillInCounts().contended()).as("contended").isPositive();
        assertThat(redlock.fillInCounts().failed()).as("failed: another holder is competition, not a fault").isZero();
        assertThat(redlock.fillInCounts().created()).isZero();
        assertThat(scheduled).as("tries are bounded").isEmpty();
    }

    @Test
    void releaseStopsTheFillInAndNoKeyIsLeftBehind() {
        nodes.get(4).mode(FakeNode.Mode.ERROR);
        Lease lease = redlock.lock("report", TTL).orElseThrow();
        long attemptsBefore = redlock.fillInCounts().failed() + redlock.fillInCounts().created();
        assertThat(redlock.fillInCounts().failed()).as("an erroring node's tries are failures").isPositive();
        assertThat(redlock.release(lease)).isTrue();
        nodes.get(4).mode(FakeNode.Mode.UP);

        runScheduled();

        assertThat(redlock.fillInCounts().failed() + redlock.fillInCounts().created()).as("tries after the release")
                .isEqualTo(attemptsBefore);
        assertThat(nodes).allSatisfy(node -> assertThat(node.get("report")).isNull());
    }

    @Test
    void aKeptMinimumHoldStopsTheFillIn() {
        nodes.get(4).mode(FakeNode.Mode.ERROR);
        Lease lease = redlock.tryLock(LockRequest.of("report", TTL).withMinimumHold(Duration.ofSeconds(1))).leaseOrThrow();
        ticker.advance(Duration.ofMillis(10));
        lease.release();
        nodes.get(4).mode(FakeNode.Mode.UP);

        runScheduled();

        assertThat(nodes.get(4).get("report")).as("no key beyond the minimum hold").isNull();
    }

    @Test
    void renewalRecreatesAKeyANodeLostButNeverOverwritesAnother() {
        Lease lease = redlock.lock("report", TTL).orElseThrow();
        runScheduled();
        nodes.get(0).put("report", "gone", Duration.ofMillis(1));
        ticker.advance(Duration.ofMillis(2));
        nodes.get(1).put("report", "someone-else", TTL);

        Lease renewed = redlock.extend(lease, TTL).orElseThrow();

        assertThat(nodes.get(0).get("report")).isEqualTo(lease.value());
        assertThat(nodes.get(1).get("report")).isEqualTo("someone-else");
        assertThat(renewed.nodes()).isEqualTo(4);
    }

    @Test
    void aCancelledAttemptTakesNoLockLater() {
        for (int i = 0; i < 3; i++) {
            nodes.get(i).put("report", "someone-else", Duration.ofSeconds(1));
        }
        java.util.concurrent.CompletableFuture<LockResult> attempt = redlock
                .tryLockAsync(LockRequest.of("report", TTL).withWaitTime(Duration.ofSeconds(5))).toCompletableFuture();
        assertThat(scheduled).as("a retry is queued").isNotEmpty();
        attempt.cancel(false);
        ticker.advance(Duration.ofSeconds(2));

        runScheduled();

        assertThat(nodes).allSatisfy(node -> assertThat(node.get("report")).isNull());
        assertThat(redlock.heldLeases()).isEmpty();
    }
}
