package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.internal.Jitter;
import io.github.redlock.internal.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The split-vote rule of {@link LockRequest#withRetryWhenHeld(boolean) retryWhenHeld = false}: give
 * up at once when one holder has a majority, retry a split vote (the leader first) and unreachable
 * nodes. Against in-memory nodes and a manual clock: no real timing.
 */
class RetryWhenHeldTests {

    private static final Duration TTL = Duration.ofSeconds(10);
    private static final long DELAY = Duration.ofMillis(200).toNanos();
    private static final long JITTER = Duration.ofMillis(100).toNanos();

    private final ManualTicker ticker = new ManualTicker();
    private final List<Long> scheduledDelays = new ArrayList<>();

    private List<FakeNode> nodes(int count) {
        return IntStream.range(0, count).mapToObj(i -> new FakeNode("redis://fake:" + (6379 + i), ticker)).toList();
    }

    /** Default retry settings (3 retries, 200 ms plus up to 100 ms), jitter always at its bound. */
    private Redlock redlock(List<FakeNode> nodes) {
        List<String> servers = nodes.stream().map(FakeNode::address).toList();
        return new Redlock(RedlockOptions.builder().servers(servers).build(), List.<Node>copyOf(nodes), ticker,
                (task, delayNanos) -> {
                    if (task instanceof FillIn.Check) {
                        return; // due a third of the TTL later: a scheduler that runs tasks at once leaves the checks out
                    }
                    scheduledDelays.add(delayNanos);
                    ticker.advance(Duration.ofNanos(delayNanos));
                    task.run();
                }, bound -> bound);
    }

    private static LockRequest tick(String resource) {
        return LockRequest.of(resource, TTL).withRetryWhenHeld(false);
    }

    @Test
    void oneHolderWithAMajorityEndsTheCallAfterOneAttempt() {
        List<FakeNode> nodes = nodes(5);
        IntStream.range(0, 3).forEach(i -> nodes.get(i).put("job", "other", TTL));

        LockResult result = redlock(nodes).tryLock(tick("job").withWaitTime(Duration.ofSeconds(30)));

        assertThat(result.failure()).isEqualTo(LockFailure.CONTENDED);
        assertThat(result.attempts()).isEqualTo(1);
        assertThat(scheduledDelays).isEmpty();
        assertThat(nodes).extracting(node -> node.get("job")).containsExactly("other", "other", "other", null, null);
    }

    @Test
    void withRetryWhenHeldTheSameHolderIsRetriedAsConfigured() {
        List<FakeNode> nodes = nodes(5);
        IntStream.range(0, 3).forEach(i -> nodes.get(i).put("job", "other", TTL));

        LockResult result = redlock(nodes).tryLock(LockRequest.of("job", TTL));

        assertThat(result.failure()).isEqualTo(LockFailure.CONTENDED);
        assertThat(result.attempts()).isEqualTo(4);
    }

    @Test
    void aSplitVoteIsRetriedUntilOneClientWins() {
        List<FakeNode> nodes = nodes(3);
        // Two other clients each got one node; their failed attempts let go within 50 ms.
        nodes.get(0).put("job", "x", Duration.ofMillis(50));
        nodes.get(1).put("job", "y", Duration.ofMillis(50));

        LockResult result = redlock(nodes).tryLock(tick("job"));

        assertThat(result.isAcquired()).isTrue();
        assertThat(result.attempts()).isEqualTo(2);
    }

    @Test
    void theClientHoldingTheMostNodesOfASplitRetriesFirst() {
        List<FakeNode> nodes = nodes(5);
        nodes.get(0).put("job", "x", TTL);
        nodes.get(1).put("job", "y", TTL);
        nodes.get(2).put("job", "z", TTL);
        // this client gets nodes 3 and 4: the most, but no majority

        LockResult result = redlock(nodes).tryLock(tick("job"));

        assertThat(result.failure()).isEqualTo(LockFailure.CONTENDED);
        assertThat(scheduledDelays).hasSize(3).allSatisfy(delay -> assertThat(delay).isEqualTo(DELAY + JITTER));
    }

    @Test
    void aTieInASplitGoesToTheSmallerValue() {
        // Random values are base64: "!" sorts before every one of them, "~" after.
        List<FakeNode> nodes = nodes(5);
        nodes.get(0).put("job", "!", TTL);
        nodes.get(1).put("job", "!", TTL);
        nodes.get(2).put("job", "~", TTL);
        // this client gets nodes 3 and 4: as many as "!"

        assertThat(redlock(nodes).tryLock(tick("job")).failure()).isEqualTo(LockFailure.CONTENDED);
        assertThat(scheduledDelays).as("trailing").hasSize(3)
                .allSatisfy(delay -> assertThat(delay).isEqualTo(2 * (DELAY + JITTER)));

        nodes.get(0).put("job", "~", TTL);
        nodes.get(1).put("job", "~", TTL);
        nodes.get(2).put("job", "!", TTL);
        scheduledDelays.clear();

        assertThat(redlock(nodes).tryLock(tick("job")).failure()).isEqualTo(LockFailure.CONTENDED);
        assertThat(scheduledDelays).as("leading").hasSize(3).allSatisfy(delay -> assertThat(delay).isEqualTo(DELAY + JITTER));
    }

    @Test
    void aClientWithFewerNodesThanTheLeaderRetriesAfterIt() {
        List<FakeNode> nodes = nodes(5);
        nodes.get(0).put("job", "a", TTL);
        nodes.get(1).put("job", "a", TTL);
        nodes.get(2).put("job", "b", TTL);
        nodes.get(3).put("job", "c", TTL);

        LockResult result = redlock(nodes).tryLock(tick("job"));

        assertThat(result.failure()).isEqualTo(LockFailure.CONTENDED);
        assertThat(scheduledDelays).hasSize(3).allSatisfy(delay -> assertThat(delay).isEqualTo(2 * (DELAY + JITTER)));
    }

    @Test
    void aClientThatGotNoNodeLetsTheOthersSettleTheSplit() {
        List<FakeNode> nodes = nodes(3);
        nodes.get(0).put("job", "x", Duration.ofMillis(50));
        nodes.get(1).put("job", "y", Duration.ofMillis(50));
        nodes.get(2).put("job", "z", Duration.ofMillis(50));

        LockResult result = redlock(nodes).tryLock(tick("job"));

        assertThat(result.isAcquired()).as("the others let go, and no one took it meanwhile").isTrue();
        assertThat(scheduledDelays).containsExactly(2 * (DELAY + JITTER));
    }

    @Test
    void unreachableNodesAreStillRetried() {
        List<FakeNode> nodes = nodes(3);
        nodes.get(0).mode(FakeNode.Mode.ERROR);
        nodes.get(1).mode(FakeNode.Mode.TIMEOUT);

        LockResult result = redlock(nodes).tryLock(tick("job"));

        assertThat(result.failure()).isEqualTo(LockFailure.UNAVAILABLE);
        assertThat(result.attempts()).isEqualTo(4);
        assertThat(nodes.get(2).get("job")).as("released after each attempt").isNull();
    }

    @Test
    void aHolderWithAMajorityBehindUnreachableNodesIsRetried() {
        List<FakeNode> nodes = nodes(5);
        nodes.get(0).put("job", "other", TTL);
        nodes.get(1).put("job", "other", TTL);
        nodes.get(2).mode(FakeNode.Mode.TIMEOUT);
        nodes.get(3).mode(FakeNode.Mode.TIMEOUT);

        LockResult result = redlock(nodes).tryLock(tick("job"));

        // "other" may hold the unreachable nodes too, or not: only a majority seen is proof.
        assertThat(result.attempts()).isEqualTo(4);
        assertThat(result.isAcquired()).isFalse();
    }

    @Test
    void aMajoritySeenIsHeldAndOneNodeLessIsASplit() {
        List<FakeNode> nodes = nodes(5);
        nodes.get(0).put("job", "x", TTL);
        nodes.get(1).put("job", "x", TTL);
        nodes.get(2).put("job", "y", TTL);
        nodes.get(3).put("job", "y", TTL);
        nodes.get(4).put("job", "y", TTL);

        LockResult result = redlock(nodes).tryLock(tick("job"));

        assertThat(result.attempts()).as("y has a majority: held").isEqualTo(1);
        nodes.get(4).put("job", "z", TTL);
        scheduledDelays.clear();
        assertThat(redlock(nodes).tryLock(tick("job")).attempts()).as("a split: retried").isEqualTo(4);
        assertThat(scheduledDelays).allSatisfy(delay -> assertThat(delay).isEqualTo(2 * (DELAY + JITTER)));
    }
}
