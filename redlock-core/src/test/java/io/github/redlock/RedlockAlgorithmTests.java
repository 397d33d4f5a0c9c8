package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.internal.Jitter;
import io.github.redlock.internal.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The algorithm's arithmetic and decisions, against in-memory nodes and a manual clock. */
class RedlockAlgorithmTests {

    private static final Duration TTL = Duration.ofSeconds(10);

    private final ManualTicker ticker = new ManualTicker();
    private final List<Long> scheduledDelays = new ArrayList<>();

    private List<FakeNode> nodes(int count) {
        return IntStream.range(0, count).mapToObj(i -> new FakeNode("redis://fake:" + (6379 + i), ticker)).toList();
    }

    private Redlock redlock(List<FakeNode> nodes, RedlockOptions.Builder options) {
        List<String> servers = nodes.stream().map(FakeNode::address).toList();
        return new Redlock(options.servers(servers).build(), List.<Node>copyOf(nodes), ticker,
                (task, delayNanos) -> {
                    if (task instanceof FillIn.Check) {
                        return; // due a third of the TTL later: a scheduler that runs tasks at once leaves the checks out
                    }
                    scheduledDelays.add(delayNanos);
                    ticker.advance(Duration.ofNanos(delayNanos));
                    task.run();
                }, Jitter.RANDOM);
    }

    private Redlock redlock(List<FakeNode> nodes) {
        return redlock(nodes, RedlockOptions.builder());
    }

    @Test
    void validityIsTtlMinusElapsedMinusDrift() {
        List<FakeNode> nodes = nodes(5);
        nodes.get(0).latency(Duration.ofMillis(30));
        Redlock redlock = redlock(nodes);

        Lease lease = redlock.lock("report", TTL).orElseThrow();

        // 10 000 ms - 30 ms elapsed - (10 000 ms * 0.01 + 2 ms) drift
        assertThat(lease.validity()).isEqualTo(Duration.ofMillis(9_868));
        assertThat(lease.isValid()).isTrue();
        ticker.advance(Duration.ofMillis(9_867));
        assertThat(lease.isValid()).isTrue();
        ticker.advance(Duration.ofMillis(1));
        assertThat(lease.isValid()).isFalse();
        assertThat(lease.remaining()).isEqualTo(Duration.ZERO);
    }

    @Test
    void attemptSlowerThanValidityIsNotGrantedAndReleasedEverywhere() {
        List<FakeNode> nodes = nodes(3);
        nodes.forEach(node -> node.latency(Duration.ofMillis(500)));
        Redlock redlock = redlock(nodes, RedlockOptions.builder().retryCount(0));

        LockResult result = redlock.tryLock("report", Duration.ofSeconds(1));

        assertThat(result.isAcquired()).isFalse();
        assertThat(result.failure()).isEqualTo(LockFailure.VALIDITY_EXPIRED);
        nodes.forEach(node -> assertThat(node.get("report")).isNull());
        nodes.forEach(node -> assertThat(node.releaseCalls.get()).isEqualTo(1));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7})
    void grantedExactlyWhenFreeNodesReachQuorum(int count) {
        int quorum = count / 2 + 1;
        for (int held = 0; held <= count; held++) {
            List<FakeNode> nodes = nodes(count);
            for (int i = 0; i < held; i++) {
                nodes.get(i).put("job", "someone-else", TTL);
            }
            Redlock redlock = redlock(nodes, RedlockOptions.builder().retryCount(0));
            long before = ticker.nanoTime();

            Optional<Lease> lease = redlock.lock("job", TTL);

            assertThat(lease.isPresent()).as("%d of %d held elsewhere", held, count).isEqualTo(count - held >= quorum);
            // The manual scheduler moves the clock by each delay (fill-in tries after a grant).
            long elapsedMillis = (ticker.nanoTime() - before) / 1_000_000L;
            for (int i = 0; i < held; i++) {
                assertThat(nodes.get(i).get("job")).isEqualTo("someone-else");
                assertThat(nodes.get(i).pttlMillis("job")).as("their TTL untouched").isEqualTo(TTL.toMillis() - elapsedMillis);
            }
            if (lease.isEmpty()) {
                for (int i = held; i < count; i++) {
                    assertThat(nodes.get(i).get("job")).as("no key of ours left behind").isNull();
                }
            }
        }
    }

    @Test
    void quorumIsOfConfiguredNodesNotOfReachableOnes() {
        assertThat(IntStream.rangeClosed(1, 7).map(n -> redlock(nodes(n)).quorum()).toArray())
                .containsExactly(1, 2, 2, 3, 3, 4, 4);
    }

    @Test
    void minorityDownStillGrants() {
        List<FakeNode> nodes = nodes(5);
        nodes.get(0).mode(FakeNode.Mode.ERROR);
        nodes.get(1).mode(FakeNode.Mode.TIMEOUT);

        assertThat(redlock(nodes).lock("job", TTL)).isPresent();
    }

    @Test
    void majorityDownFailsAsUnavailableAfterAllAttemptsWithPerNodeDetail() {
        List<FakeNode> nodes = nodes(5);
        nodes.get(0).mode(FakeNode.Mode.ERROR);
        nodes.get(1).mode(FakeNode.Mode.TIMEOUT);
        nodes.get(2).mode(FakeNode.Mode.ERROR);

        LockResult result = redlock(nodes).tryLock("job", TTL);

        assertThat(result.failure()).isEqualTo(LockFailure.UNAVAILABLE);
        assertThat(result.attempts()).isEqualTo(4);
        assertThat(result.nodes()).extracting(NodeOutcome::status).containsExactly(
                NodeStatus.ERROR, NodeStatus.TIMEOUT, NodeStatus.ERROR, NodeStatus.OK, NodeStatus.OK);
        assertThat(nodes.get(3).get("job")).isNull();
        assertThat(nodes.get(4).get("job")).isNull();
        assertThat(nodes.get(0).releaseCalls.get()).as("released on failed nodes too").isEqualTo(4);
    }

    @Test
    void contendedWhenAnotherHolderHasAMajority() {
        List<FakeNode> nodes = nodes(5);
        IntStream.range(0, 3).forEach(i -> nodes.get(i).put("job", "other", TTL));

        LockResult result = redlock(nodes).tryLock("job", TTL);

        assertThat(result.failure()).isEqualTo(LockFailure.CONTENDED);
        assertThatThrownByLeaseOrThrow(result);
    }

    private static void assertThatThrownByLeaseOrThrow(LockResult result) {
        org.assertj.core.api.Assertions.assertThatThrownBy(result::leaseOrThrow)
                .isInstanceOf(LockNotAcquiredException.class)
                .hasMessageContaining("'job'")
                .hasMessageContaining("contended")
                .hasMessageContaining("redis://fake:6379 HELD_BY_OTHER");
    }

    @Test
    void retryCountZeroMakesExactlyOneAttempt() {
        List<FakeNode> nodes = nodes(3);
        nodes.forEach(node -> node.put("job", "other", TTL));

        LockResult result = redlock(nodes, RedlockOptions.builder().retryCount(0)).tryLock("job", TTL);

        assertThat(result.attempts()).isEqualTo(1);
        nodes.forEach(node -> assertThat(node.acquireCalls.get()).isEqualTo(1));
        assertThat(scheduledDelays).isEmpty();
    }

    @Test
    void retryDelaysStayWithinDelayPlusJitter() {
        List<FakeNode> nodes = nodes(3);
        nodes.forEach(node -> node.put("job", "other", Duration.ofHours(1)));
        Redlock redlock = redlock(nodes, RedlockOptions.builder().retryCount(50)
                .retryDelay(Duration.ofMillis(200)).retryJitter(Duration.ofMillis(100)));

        redlock.tryLock("job", TTL);

        assertThat(scheduledDelays).hasSize(50).allSatisfy(delay -> assertThat(delay)
                .isBetween(Duration.ofMillis(200).toNanos(), Duration.ofMillis(300).toNanos()));
        assertThat(scheduledDelays.stream().distinct().count()).as("jitter varies").isGreaterThan(1);
    }

    @Test
    void splitVoteFailsBothAndLeavesNoPartialKeys() {
        List<FakeNode> nodes = nodes(5);
        nodes.get(0).put("job", "a", TTL);
        nodes.get(1).put("job", "a", TTL);
        nodes.get(2).put("job", "b", TTL);
        nodes.get(3).put("job", "b", TTL);
        nodes.get(4).mode(FakeNode.Mode.TIMEOUT);
        Redlock redlock = redlock(nodes, RedlockOptions.builder().retryCount(0));

        assertThat(redlock.lock("job", TTL, "c")).isEmpty();

        assertThat(nodes).extracting(node -> node.get("job")).containsExactly("a", "a", "b", "b", null);
    }

    @Test
    void waitingRetriesUntilTheHolderLetsGo() {
        List<FakeNode> nodes = nodes(3);
        nodes.forEach(node -> node.put("job", "other", Duration.ofSeconds(5)));
        Redlock redlock = redlock(nodes, RedlockOptions.builder().retryCount(0));

        LockResult result = redlock.tryLock("job", TTL, Duration.ofSeconds(30));

        assertThat(result.isAcquired()).isTrue();
        assertThat(result.attempts()).isGreaterThan(1);
    }

    @Test
    void waitingGivesUpAtTheDeadline() {
        List<FakeNode> nodes = nodes(3);
        nodes.forEach(node -> node.put("job", "other", Duration.ofHours(1)));
        Redlock redlock = redlock(nodes, RedlockOptions.builder().retryCount(0).retryJitter(Duration.ZERO));

        LockResult result = redlock.tryLock("job", TTL, Duration.ofSeconds(2));

        assertThat(result.failure()).isEqualTo(LockFailure.CONTENDED);
        // attempts at 0, 200, ..., 1800 ms: the next one would start at the deadline
        assertThat(result.attempts()).isEqualTo(10);
    }

    @Test
    void extendRenewsOwnLeaseWithNewValidity() {
        List<FakeNode> nodes = nodes(3);
        Redlock redlock = redlock(nodes);
        Lease lease = redlock.lock("job", TTL).orElseThrow();
        ticker.advance(Duration.ofSeconds(9));

        Lease renewed = redlock.extend(lease, TTL).orElseThrow();

        assertThat(renewed.validity()).isEqualTo(Duration.ofMillis(9_898));
        assertThat(renewed.value()).isEqualTo(lease.value());
        nodes.forEach(node -> assertThat(node.pttlMillis("job")).isEqualTo(TTL.toMillis()));
        assertThat(redlock.heldLeases()).containsExactly(renewed);
    }

    @Test
    void extendOfExpiredLeaseFailsWithoutTouchingNodes() {
        List<FakeNode> nodes = nodes(3);
        Redlock redlock = redlock(nodes);
        Lease lease = redlock.lock("job", TTL).orElseThrow();
        ticker.advance(TTL);
        nodes.forEach(node -> node.put("job", "next-holder", TTL));

        assertThat(redlock.extend(lease, TTL)).isEmpty();
        nodes.forEach(node -> assertThat(node.get("job")).isEqualTo("next-holder"));
    }

    @Test
    void lockWithExtendRenewsOwnValueButNeverTakesAForeignOne() {
        List<FakeNode> nodes = nodes(3);
        Redlock redlock = redlock(nodes, RedlockOptions.builder().retryCount(0));
        assertThat(redlock.lock("job", TTL, "host-a")).isPresent();
        ticker.advance(Duration.ofSeconds(5));

        assertThat(redlock.lock("job", TTL, "host-a", true)).isPresent();
        nodes.forEach(node -> assertThat(node.pttlMillis("job")).isEqualTo(TTL.toMillis()));

        assertThat(redlock.lock("job", TTL, "host-b", true)).isEmpty();
        nodes.forEach(node -> assertThat(node.get("job")).isEqualTo("host-a"));
    }

    @Test
    void releaseReportsWhetherAQuorumHeldTheValue() {
        List<FakeNode> nodes = nodes(3);
        Redlock redlock = redlock(nodes);
        Lease lease = redlock.lock("job", TTL).orElseThrow();

        assertThat(redlock.release("job", "not-ours")).isFalse();
        assertThat(redlock.release(lease)).isTrue();
        assertThat(redlock.release(lease)).isFalse();
        assertThat(redlock.heldLeases()).isEmpty();
    }

    @Test
    void randomValuesAre32Base64CharactersAndDistinct() {
        Redlock redlock = redlock(nodes(1));
        Lease first = redlock.lock("a", TTL).orElseThrow();
        Lease second = redlock.lock("b", TTL).orElseThrow();

        assertThat(first.value()).hasSize(32).matches("[A-Za-z0-9+/]{32}");
        assertThat(first.value()).isNotEqualTo(second.value());
        assertThat(first.toString()).doesNotContain(first.value());
    }

    @Test
    void keyPrefixIsPrependedToTheResource() {
        List<FakeNode> nodes = nodes(1);
        Lease lease = redlock(nodes, RedlockOptions.builder().keyPrefix("lock:")).lock("job", TTL).orElseThrow();

        assertThat(nodes.get(0).get("lock:job")).isEqualTo(lease.value());
        assertThat(lease.resource()).isEqualTo("job");
    }
}
