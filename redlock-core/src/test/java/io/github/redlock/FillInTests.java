package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.internal.Jitter;
import io.github.redlock.internal.Node;
import io.github.redlock.internal.Scheduler;
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
    /** Delays of the checks scheduled, in order. */
    private final List<Long> checkDelays = new ArrayList<>();
    /** Tasks cancelled before they came due: a scheduler that drops them never runs them. */
    private final List<Runnable> cancelled = new ArrayList<>();
    private final Redlock redlock = new Redlock(
            RedlockOptions.builder().servers(nodes.stream().map(FakeNode::address).toList()).build(),
            List.<Node>copyOf(nodes), ticker, new Scheduler() {
                @Override
                public void schedule(Runnable task, long delayNanos) {
                    queue(task, delayNanos);
                }

                @Override
                public Runnable scheduleCancellable(Runnable task, long delayNanos) {
                    Runnable entry = queue(task, delayNanos);
                    return () -> {
                        if (scheduled.remove(entry) || checks.remove(entry)) {
                            cancelled.add(entry);
                        }
                    };
                }
            }, Jitter.RANDOM);

    private Runnable queue(Runnable task, long delayNanos) {
        delays.add(delayNanos);
        if (task instanceof FillIn.Check) {
            checkDelays.add(delayNanos);
        }
        Runnable entry = () -> {
            ticker.advance(Duration.ofNanos(delayNanos));
            task.run();
        };
        (task instanceof FillIn.Check ? checks : scheduled).add(entry);
        return entry;
    }

    private int sent() {
        return nodes.stream().mapToInt(node -> node.acquireCalls.get()).sum();
    }

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

    // ----------------------------------------------------------------------------------------------
    // A majority without the key: lost, not re-created

    @Test
    void aCheckThatFindsTheKeyMissingOnAMajorityEndsTheLeaseAsLost() {
        Lease lease = redlock.lock("report", TTL).orElseThrow();
        runScheduled();
        for (int i = 0; i < 3; i++) {
            nodes.get(i).delete("report"); // another client may have held them since
        }

        runCheck();

        assertThat(lease.lost().toCompletableFuture()).as("lost").isDone();
        assertThat(lease.isValid()).as("valid").isFalse();
        assertThat(lease.nodes()).as("nodes found holding the key").isEqualTo(2);
        assertThat(checks).as("no more checks").isEmpty();
        assertThat(scheduled).as("no more tries").isEmpty();
    }

    @Test
    void aCheckThatFindsTheKeyMissingOnTwoAndAnotherValueOnOneEndsTheLeaseAsLost() {
        Lease lease = redlock.lock("report", TTL).orElseThrow();
        runScheduled();
        nodes.get(0).delete("report");
        nodes.get(1).delete("report");
        nodes.get(2).put("report", "someone-else", TTL);

        runCheck();

        assertThat(lease.lost().toCompletableFuture()).as("lost").isDone();
        assertThat(lease.isValid()).as("valid").isFalse();
    }

    @Test
    void nodesThatErrorOnACheckAreNoEvidenceOfALostKey() {
        Lease lease = redlock.lock("report", TTL).orElseThrow();
        runScheduled();
        nodes.get(0).delete("report");
        nodes.get(1).delete("report");
        nodes.get(2).mode(FakeNode.Mode.ERROR);
        nodes.get(3).mode(FakeNode.Mode.TIMEOUT);

        runCheck();

        assertThat(lease.lost().toCompletableFuture()).as("lost").isNotDone();
        assertThat(lease.isValid()).as("valid").isTrue();
        assertThat(nodes.get(0).get("report")).isEqualTo(lease.value());
    }

    @Test
    void aRenewalThatFindsTheKeyMissingOnAMajorityEndsTheLeaseAsLost() {
        Lease lease = redlock.lock("report", TTL).orElseThrow();
        runScheduled();
        for (int i = 0; i < 3; i++) {
            nodes.get(i).delete("report");
        }

        assertThat(redlock.extend(lease, TTL)).as("renewed").isEmpty();

        assertThat(lease.lost().toCompletableFuture()).as("lost").isDone();
        assertThat(lease.isValid()).as("valid").isFalse();
    }

    @Test
    void aRenewalThatFindsTheKeyMissingOnAMinorityRecreatesIt() {
        Lease lease = redlock.lock("report", TTL).orElseThrow();
        runScheduled();
        nodes.get(0).delete("report");
        nodes.get(1).delete("report");

        assertThat(redlock.extend(lease, TTL)).as("renewed").isPresent();

        assertThat(lease.lost().toCompletableFuture()).as("lost").isNotDone();
        assertThat(nodes.get(0).get("report")).isEqualTo(lease.value());
        assertThat(lease.nodes()).isEqualTo(5);
    }

    // ----------------------------------------------------------------------------------------------
    // Checks end with the lease

    @Test
    void releaseCancelsTheNextCheck() {
        Lease lease = redlock.lock("report", TTL).orElseThrow();
        runScheduled();
        assertThat(checks).as("a check is scheduled").hasSize(1);

        assertThat(redlock.release(lease)).isTrue();

        assertThat(checks).as("checks pending after the release").isEmpty();
        assertThat(scheduled).as("tasks pending after the release").isEmpty();
    }

    @Test
    void aCheckDueAfterReleaseSendsNothingAndLeavesNoKey() {
        Lease lease = redlock.lock("report", TTL).orElseThrow();
        runScheduled();
        assertThat(redlock.release(lease)).isTrue();
        int sent = sent();

        // As a scheduler that cannot drop a task would: the check comes due all the same.
        checks.forEach(Runnable::run);
        cancelled.forEach(Runnable::run);
        runScheduled();

        assertThat(sent()).as("scripts sent after the release").isEqualTo(sent);
        assertThat(nodes).allSatisfy(node -> assertThat(node.get("report")).isNull());
    }

    @Test
    void aCheckDueAfterCloseSendsNothingAndIsCancelled() {
        Lease lease = redlock.lock("report", TTL).orElseThrow();
        runScheduled();
        nodes.get(0).delete("report");

        redlock.close();
        assertThat(checks).as("checks pending after close").isEmpty();
        int sent = sent();
        cancelled.forEach(Runnable::run);
        runScheduled();

        assertThat(sent()).as("scripts sent after close").isEqualTo(sent);
        assertThat(nodes.get(0).get("report")).as("nothing re-created after close").isNull();
        assertThat(lease.lost().toCompletableFuture()).isDone();
    }

    @Test
    void aCheckDueAfterAKeptMinimumHoldSendsNothing() {
        Lease lease = redlock.tryLock(LockRequest.of("report", TTL).withMinimumHold(Duration.ofSeconds(5))).leaseOrThrow();
        runScheduled();
        assertThat(lease.release()).isTrue();
        nodes.get(0).delete("report");
        int sent = sent();

        checks.forEach(Runnable::run);
        cancelled.forEach(Runnable::run);
        runScheduled();

        assertThat(sent()).as("scripts sent after the release").isEqualTo(sent);
        assertThat(nodes.get(0).get("report")).as("nothing re-created beyond the hold").isNull();
    }

    @Test
    void aGrantAnsweredInFullAfterTheReleaseSchedulesNoCheck() {
        nodes.get(4).mode(FakeNode.Mode.DEFERRED);
        Lease lease = redlock.lock("report", TTL).orElseThrow(); // decided on the first four
        nodes.get(4).mode(FakeNode.Mode.UP);
        assertThat(redlock.release(lease)).isTrue();

        nodes.get(4).answer(false); // the grant's last reply, late

        assertThat(checks).as("checks scheduled after the release").isEmpty();
        assertThat(scheduled).as("tasks scheduled after the release").isEmpty();
    }

    @Test
    void afterExtendTheChecksFollowTheNewTtl() {
        Lease lease = redlock.lock("report", TTL).orElseThrow();
        runScheduled();
        Duration shorter = Duration.ofSeconds(3);
        assertThat(redlock.extend(lease, shorter)).isPresent();
        runScheduled();
        nodes.get(0).delete("report");

        runCheck();

        assertThat(checkDelays.get(checkDelays.size() - 2)).as("the check after the renewal, due in")
                .isEqualTo(FillIn.checkPeriodNanos(shorter.toNanos()));
        assertThat(nodes.get(0).get("report")).as("re-created within the new TTL").isEqualTo(lease.value());
        assertThat(nodes.get(0).pttlMillis("report")).isPositive().isLessThanOrEqualTo(lease.remaining().toMillis());
    }

    // ----------------------------------------------------------------------------------------------
    // Fast tries only where another value holds the key

    @Test
    void nodesThatErrorGetTheSlowBackoffNotTheFastTries() {
        nodes.get(3).mode(FakeNode.Mode.ERROR);
        nodes.get(4).mode(FakeNode.Mode.TIMEOUT);
        redlock.lock("report", TTL).orElseThrow();

        runScheduled();

        assertThat(redlock.fillInCounts().failed()).as("failed tries: 2 nodes, the first try and 5 backoff tries each")
                .isEqualTo(12);
        long retryDelay = RedlockOptions.DEFAULT_RETRY_DELAY.toNanos();
        assertThat(delays.get(0)).as("the first gap").isEqualTo((long) (0.25 * retryDelay));
    }
}
