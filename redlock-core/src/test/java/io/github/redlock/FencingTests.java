package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.internal.Jitter;
import io.github.redlock.internal.Node;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The two-phase fencing protocol's arithmetic and rules against fake nodes and a manual clock: the
 * token is handed out only after a quorum of nodes that still hold the key confirmed the write-back
 * within the validity; otherwise the attempt fails and is released like any failed attempt. The
 * scripts themselves run against real servers in {@link FencingIntegrationTests}.
 */
class FencingTests {

    private static final Duration TTL = Duration.ofSeconds(10);
    private static final String KEY = "invoice";
    private static final String COUNTER = RedlockOptions.FENCING_COUNTER_SUFFIX; // the default empty prefix

    private final ManualTicker ticker = new ManualTicker();
    private final Queue<Runnable> scheduled = new ArrayDeque<>();
    private final List<FakeNode> nodes = IntStream.range(0, 3)
            .mapToObj(i -> new FakeNode("redis://fake:" + (6379 + i), ticker)).toList();

    private Redlock redlock(RedlockOptions.Builder options) {
        return new Redlock(options.servers(nodes.stream().map(FakeNode::address).toList()).retryCount(1).build(), List.<Node>copyOf(nodes), ticker,
                (task, delayNanos) -> scheduled.add(() -> {
                    ticker.advance(Duration.ofNanos(delayNanos));
                    task.run();
                }), Jitter.RANDOM);
    }

    /** Without quarantine: these nodes start without counters. */
    private Redlock redlock() {
        return redlock(RedlockOptions.builder().fencingQuarantine(Duration.ZERO));
    }

    /** Runs retries and fill-ins, as the engine's scheduler would. */
    private LockResult tryLock(Redlock redlock, LockRequest request) {
        java.util.concurrent.CompletableFuture<LockResult> result = redlock.tryLockAsync(request).toCompletableFuture();
        for (int i = 0; i < 50 && !result.isDone(); i++) {
            Runnable next = scheduled.poll();
            if (next == null) {
                break;
            }
            next.run();
        }
        return result.join();
    }

    private static LockRequest fenced() {
        return LockRequest.of(KEY, TTL).withFencing();
    }

    @Test
    void theTokenIsTheLargestMintOfTheGrantingNodesAndIsWrittenBackToEveryNode() {
        nodes.get(1).seedCounter(COUNTER, 1_800_000_000_000_000L); // a counter ahead of the nodes' clocks
        Lease lease = tryLock(redlock(), fenced()).leaseOrThrow();

        assertThat(lease.fencingToken()).hasValue(1_800_000_000_000_001L);
        assertThat(nodes).allSatisfy(node -> {
            assertThat(node.counter(COUNTER)).as("counter of %s", node.address()).isEqualTo(1_800_000_000_000_001L);
            assertThat(node.writeBackCalls).hasValue(1);
        });
    }

    @Test
    void anUnfencedGrantHasNoTokenAndNeverWritesBack() {
        Lease lease = tryLock(redlock(), LockRequest.of(KEY, TTL)).leaseOrThrow();

        assertThat(lease.fencingToken()).isEmpty();
        assertThat(nodes).allSatisfy(node -> {
            assertThat(node.counter(COUNTER)).isEqualTo(-1);
            assertThat(node.writeBackCalls).hasValue(0);
        });
    }

    @Test
    void aWriteBackThatFindsTheKeyGoneOnTwoNodesFailsTheAttemptAsUnavailableAndReleasesIt() {
        Redlock redlock = redlock();
        for (FakeNode node : nodes.subList(0, 2)) {
            node.beforeWriteBack = () -> node.delete(KEY); // lost between the phases (eviction, a clock jump)
        }

        LockResult result = tryLock(redlock, fenced());

        assertThat(result.isAcquired()).as("acquired: %s", result).isFalse();
        assertThat(result.attempts()).isEqualTo(2);
        assertThat(result.failure()).as("the key was lost, not held elsewhere").isEqualTo(LockFailure.UNAVAILABLE);
        assertThat(result.nodes()).filteredOn(node -> node.status() == NodeStatus.ERROR).hasSize(2)
                .allSatisfy(node -> assertThat(node.detail()).isEqualTo(
                        "fencing write-back not confirmed: the node no longer holds the lock's key"));
        assertThat(nodes).allSatisfy(node -> assertThat(node.get(KEY)).as("key on %s", node.address()).isNull());
        assertThat(nodes.get(2).releaseCalls).as("the node that still held the key released it").hasValue(2);
        assertThat(redlock.heldLeases()).isEmpty();
    }

    @Test
    void lostWriteBackRepliesFailTheAttemptAsUnavailableAndReleaseIt() {
        Redlock redlock = redlock();
        nodes.get(0).loseWriteBackReplies = true;
        nodes.get(1).loseWriteBackReplies = true;

        LockResult result = tryLock(redlock, fenced());

        assertThat(result.isAcquired()).isFalse();
        assertThat(result.failure()).isEqualTo(LockFailure.UNAVAILABLE);
        assertThat(result.nodes()).filteredOn(node -> node.status() == NodeStatus.TIMEOUT).hasSize(2)
                .allSatisfy(node -> assertThat(node.detail()).isEqualTo("fencing write-back not confirmed: reply lost"));
        assertThat(nodes).allSatisfy(node -> {
            assertThat(node.get(KEY)).isNull();
            assertThat(node.counter(COUNTER)).as("the counters stay raised: tokens have gaps").isPositive();
        });
    }

    @Test
    void aWriteBackConfirmedAfterTheValidityRanOutFailsAsValidityExpired() {
        Redlock redlock = redlock();
        nodes.forEach(node -> node.writeBackLatency = TTL.dividedBy(2));

        LockResult result = tryLock(redlock, fenced());

        assertThat(result.isAcquired()).isFalse();
        assertThat(result.failure()).isEqualTo(LockFailure.VALIDITY_EXPIRED);
    }

    @Test
    void withTheWriteBackSkippedATokenIsHandedOutUnconfirmed() {
        Redlock redlock = redlock(RedlockOptions.builder().fencingQuarantine(Duration.ZERO)
                .fencingFaults(Set.of(FencingFault.SKIP_WRITE_BACK)));
        nodes.forEach(node -> node.beforeWriteBack = () -> {
            throw new AssertionError("no write-back expected");
        });

        Lease lease = tryLock(redlock, fenced()).leaseOrThrow();

        assertThat(lease.fencingToken()).isPresent();
        assertThat(nodes).allSatisfy(node -> assertThat(node.writeBackCalls).hasValue(0));
    }

    /**
     * The design study's section 6.2: node A's clock runs 5 s ahead. G1 is granted by A and B; G2,
     * later, by B and C. Without the write-back, B's and C's mints for G2 would lie 5 s below G1's
     * token; with it, B holds G1's token when G2 mints there.
     */
    @Test
    void aNodeWhoseClockRunsAheadCannotPushLaterTokensBelowEarlierOnes() {
        Redlock redlock = redlock();
        nodes.get(0).clockOffset(Duration.ofSeconds(5));
        nodes.get(2).mode(FakeNode.Mode.ERROR);
        Lease first = tryLock(redlock, fenced()).leaseOrThrow();
        assertThat(first.release()).isTrue();
        nodes.get(2).mode(FakeNode.Mode.UP);
        nodes.get(0).mode(FakeNode.Mode.ERROR);
        ticker.advance(Duration.ofMillis(20));

        Lease second = tryLock(redlock, fenced()).leaseOrThrow();

        assertThat(second.fencingToken().getAsLong()).isGreaterThan(first.fencingToken().getAsLong());
    }

    @Test
    void withoutTheTimeFloorANodeThatLostItsCounterMintsFromOne() {
        Redlock redlock = redlock(RedlockOptions.builder().fencingQuarantine(Duration.ZERO)
                .fencingFaults(Set.of(FencingFault.NO_TIME_FLOOR)));

        Lease lease = tryLock(redlock, fenced()).leaseOrThrow();

        assertThat(lease.fencingToken()).hasValue(1);
    }

    @Test
    void aNodeInQuarantineIsCountedAsUnavailableAndTheOthersGrant() {
        Redlock redlock = redlock(RedlockOptions.builder().fencingQuarantine(Duration.ofSeconds(60)));
        nodes.get(1).seedCounter(COUNTER, 5);
        nodes.get(2).seedCounter(COUNTER, 5);

        LockResult result = tryLock(redlock, fenced());

        assertThat(result.isAcquired()).isTrue();
        assertThat(result.nodes().get(0).status()).isEqualTo(NodeStatus.ERROR);
        assertThat(result.nodes().get(0).detail()).contains("counter lost").contains("60000 ms (quarantine)");
    }

    /**
     * Extend-or-create keeps a lease's token only while that lease is valid: here its renewal is
     * answered after the lease ran out, and in between another client was granted (and released) a
     * larger token. Granting with the kept token would hand out a token below one already used.
     */
    @Test
    void anExtendAnsweredAfterTheKeptLeaseRanOutMintsANewTokenInsteadOfKeepingTheOld() {
        Redlock p = new Redlock(RedlockOptions.builder().fencingQuarantine(Duration.ZERO)
                .servers(nodes.stream().map(FakeNode::address).toList()).retryCount(1).build(), List.<Node>copyOf(nodes),
                ticker, (task, delayNanos) -> { // runs retries at once, so that the blocking call returns
                    if (task instanceof FillIn.Check) {
                        return; // due a third of the TTL later: a scheduler that runs tasks at once leaves the checks out
                    }
                    ticker.advance(Duration.ofNanos(delayNanos));
                    task.run();
                }, Jitter.RANDOM);
        Redlock q = redlock();
        Lease kept = p.tryLock(LockRequest.of(KEY, Duration.ofMillis(100)).withFencing(), "host-a", false).leaseOrThrow();
        long t1 = kept.fencingToken().getAsLong();
        ticker.advance(Duration.ofMillis(95)); // a few ms of validity left: the extend keeps the token
        long[] t2 = {0};
        Runnable stall = () -> {
            nodes.get(0).beforeRenew = () -> { };
            ticker.advance(Duration.ofMillis(10)); // the renewal stalls: the lease and its keys run out
            Lease other = tryLock(q, fenced()).leaseOrThrow();
            t2[0] = other.fencingToken().getAsLong();
            assertThat(other.release()).isTrue();
        };
        nodes.get(0).beforeRenew = stall;

        Lease extended = p.tryLock(fenced(), "host-a", true).leaseOrThrow();

        assertThat(t2[0]).as("another client was granted in between").isGreaterThan(t1);
        assertThat(extended.fencingToken().getAsLong()).as("token after %s (kept lease's %s)", t2[0], t1)
                .isGreaterThan(t2[0]);
    }
}
