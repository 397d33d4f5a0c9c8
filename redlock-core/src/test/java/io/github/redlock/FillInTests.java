package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.internal.Jitter;
import io.github.redlock.internal.Node;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Fill-in after a grant, against fake nodes and a manual clock and scheduler (the arithmetic and the rules). */
class FillInTests {

    private static final Duration TTL = Duration.ofSeconds(10);

    private final ManualTicker ticker = new ManualTicker();
    private final Queue<Runnable> scheduled = new ArrayDeque<>();
    /** Checks of held leases' nodes (due a third of the TTL later), run only when a test asks. */
    private final Queue<Runnable> checks = new ArrayDeque<>();
    private final List<Long> delays = new ArrayList<>();
    private final List<FakeNode> nodes = IntStream.range(0, 5)
            .mapToObj(i -> new FakeNode("redis://fake:" + (6379 + i), ticker)).toList();
    private final Redlock redlock = new Redlock(
            RedlockOptions.builder().servers(nodes.stream().map(FakeNode::address).toList()).build(),
            List.<Node>copyOf(nodes), ticker, (task, delayNanos) -> {
                delays.add(delayNanos);
                (task instanceof FillIn.Check ? checks : scheduled).add(() -> {
                    ticker.advance(Duration.ofNanos(delayNanos));
                    task.run();
                });
            }, Jitter.RANDOM);

    private void runScheduled() {
        for (int i = 0; i < 100 && !scheduled.isEmpty(); i++) {
            scheduled.poll().run();
        }
    }

    /** Runs the next check of a held lease's nodes (moving the clock to when it is due), then what it scheduled. */
    private void runCheck() {
        assertThat(checks).as("a check is scheduled").isNotEmpty();
        checks.poll().run();
        runScheduled();
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
    void whileTheLeaseStandsOnABareQuorumTheFillInTriesFastThenBacksOff() {
        nodes.get(3).put("report", "someone-else", TTL);
        nodes.get(4).put("report", "someone-else", TTL);
        redlock.lock("report", TTL).orElseThrow();

        runScheduled();

        long fast = FillIn.fastGapNanos(TTL.toNanos(), RedlockOptions.DEFAULT_RETRY_DELAY.toNanos());
        long retryDelay = RedlockOptions.DEFAULT_RETRY_DELAY.toNanos();
        List<Long> expected = new ArrayList<>();
        for (int i = 0; i < FillIn.FAST_TRIES; i++) {
            expected.add(fast);
        }
        for (double share : new double[] {0.25, 0.75, 1, 2, 4}) {
            expected.add((long) (share * retryDelay));
        }
        expected.add(FillIn.checkPeriodNanos(TTL.toNanos())); // then the checks try again
        assertThat(delays).isEqualTo(expected);
        assertThat(fast).as("a 64th of the TTL, at most a quarter of the retry delay").isEqualTo(retryDelay / 4);
    }

    @Test
    void aFastTryLandsTheKeyOnANodeFreedAMomentAfterTheGrant() {
        Duration ttl = Duration.ofMillis(640); // fast tries every 10 ms
        nodes.get(3).put("report", "someone-else", Duration.ofMillis(25));
        nodes.get(4).put("report", "someone-else", Duration.ofMillis(25));
        Lease lease = redlock.lock("report", ttl).orElseThrow();
        long granted = ticker.nanoTime();

        for (int i = 0; i < 100 && lease.nodes() < 5 && !scheduled.isEmpty(); i++) {
            scheduled.poll().run();
        }

        assertThat(lease.nodes()).isEqualTo(5);
        assertThat(nodes.get(3).get("report")).isEqualTo(lease.value());
        assertThat((ticker.nanoTime() - granted) / 1_000_000L).as("ms after the grant").isEqualTo(30);
    }

    @Test
    void aCheckRecreatesKeysLostAfterTheGrantNeverBeyondTheLease() {
        Lease lease = redlock.lock("report", TTL).orElseThrow();
        runScheduled();
        assertThat(lease.nodes()).isEqualTo(5);
        nodes.get(0).delete("report");
        nodes.get(1).delete("report");

        runCheck();

        assertThat(nodes.get(0).get("report")).isEqualTo(lease.value());
        assertThat(nodes.get(1).get("report")).isEqualTo(lease.value());
        assertThat(nodes.get(0).pttlMillis("report")).isPositive().isLessThanOrEqualTo(lease.remaining().toMillis());
        assertThat(lease.nodes()).isEqualTo(5);
        assertThat(redlock.fillInCounts().created()).as("keys re-created").isEqualTo(2);
        assertThat(checks).as("the next check").hasSize(1);
    }

    @Test
    void aCheckThatFindsEveryKeyInPlaceChangesNothingAndReportsNothing() {
        Lease lease = redlock.lock("report", TTL).orElseThrow();
        runScheduled();

        runCheck();

        long periodMillis = FillIn.checkPeriodNanos(TTL.toNanos()) / 1_000_000L;
        assertThat(nodes).allSatisfy(node -> assertThat(node.pttlMillis("report")).as("the key's TTL is not touched")
                .isPositive().isLessThanOrEqualTo(TTL.toMillis() - periodMillis));
        assertThat(redlock.fillInCounts()).isEqualTo(new FillInCounts(0, 0, 0));
        assertThat(lease.isValid()).isTrue();
    }

    @Test
    void aCheckThatFindsAnotherValueOnAQuorumEndsTheLeaseAsLost() {
        Lease lease = redlock.lock("report", TTL).orElseThrow();
        runScheduled();
        for (int i = 0; i < 3; i++) {
            nodes.get(i).put("report", "someone-else", TTL);
        }

        runCheck();

        assertThat(lease.lost().toCompletableFuture()).isDone();
        assertThat(lease.isValid()).isFalse();
        assertThat(nodes.get(0).get("report")).isEqualTo("someone-else");
        assertThat(checks).as("no more checks").isEmpty();
    }

    @Test
    void aKeepAliveLeaseIsCheckedByItsRenewalsNotOnASchedule() {
        redlock.tryLock(LockRequest.of("report", TTL).withKeepAlive(true)).leaseOrThrow();

        runScheduled();

        assertThat(checks).isEmpty();
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
