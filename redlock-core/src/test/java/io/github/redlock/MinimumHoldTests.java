package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redlock.internal.Jitter;
import io.github.redlock.internal.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link LockRequest#withMinimumHold(Duration)}: the minimum hold, against in-memory nodes and a manual clock. */
class MinimumHoldTests {

    private static final Duration TTL = Duration.ofSeconds(10);
    private static final Duration HOLD = Duration.ofSeconds(1);

    private final ManualTicker ticker = new ManualTicker();
    private final List<Long> scheduledDelays = new ArrayList<>();
    private final List<FakeNode> nodes = IntStream.range(0, 3)
            .mapToObj(i -> new FakeNode("redis://fake:" + (6379 + i), ticker)).toList();
    private final Redlock redlock = new Redlock(
            RedlockOptions.builder().servers(nodes.stream().map(FakeNode::address).toList()).build(),
            List.<Node>copyOf(nodes), ticker, (task, delayNanos) -> {
                if (task instanceof FillIn.Check) {
                    return; // due a third of the TTL later: a scheduler that runs tasks at once leaves the checks out
                }
                scheduledDelays.add(delayNanos);
                ticker.advance(Duration.ofNanos(delayNanos));
                task.run();
            }, Jitter.RANDOM);

    private Lease held(String resource) {
        return redlock.tryLock(LockRequest.of(resource, TTL).withMinimumHold(HOLD)).leaseOrThrow();
    }

    @Test
    void aHoldThatIsOverReleasesAtOnce() {
        Lease lease = held("job");
        ticker.advance(HOLD);

        assertThat(lease.release()).isTrue();

        nodes.forEach(node -> assertThat(node.get("job")).isNull());
    }

    @Test
    void aHoldNotOverYetSetsTheKeyToExpireWhenItEnds() {
        Lease lease = held("job");
        ticker.advance(Duration.ofMillis(100));

        assertThat(lease.release()).isTrue();

        nodes.forEach(node -> {
            assertThat(node.get("job")).isEqualTo(lease.value());
            assertThat(node.pttlMillis("job")).isEqualTo(900);
        });
        ticker.advance(Duration.ofMillis(900));
        nodes.forEach(node -> assertThat(node.get("job")).isNull());
    }

    @Test
    void aLeaseKeptForItsHoldIsNotHeldAndOutlivesClose() {
        Lease lease = held("job");
        Lease other = held("other");

        lease.release();

        assertThat(redlock.heldLeases()).containsExactly(other);
        assertThat(lease.isValid()).isFalse();
        redlock.close();
        nodes.forEach(node -> {
            assertThat(node.get("job")).as("kept until the hold ends").isEqualTo(lease.value());
            assertThat(node.get("other")).as("left to expire on close: its holder may still work").isEqualTo(other.value());
            assertThat(node.pttlMillis("other")).as("its whole TTL, not cut to the hold").isEqualTo(TTL.toMillis());
        });
    }

    @Test
    void theHoldCountsFromTheFirstGrantNotFromARenewal() {
        Lease lease = held("job");
        ticker.advance(Duration.ofMillis(600));
        redlock.extend(lease, TTL).orElseThrow();
        ticker.advance(Duration.ofMillis(100));

        lease.release();

        nodes.forEach(node -> assertThat(node.pttlMillis("job")).isEqualTo(300));
    }

    @Test
    void aShorterExpiryNotConfirmedByAQuorumIsReplacedByAReleaseWhenTheHoldEnds() {
        Lease lease = held("job");
        nodes.get(0).mode(FakeNode.Mode.ERROR);
        nodes.get(1).mode(FakeNode.Mode.TIMEOUT);
        ticker.advance(Duration.ofMillis(200));

        assertThat(lease.release()).isFalse();

        assertThat(scheduledDelays).containsExactly(Duration.ofMillis(800).toNanos());
        assertThat(nodes.get(2).get("job")).as("released at the hold's end").isNull();
    }

    @Test
    void anExpiredLeaseIsLeftAlone() {
        Lease lease = redlock.tryLock(LockRequest.of("job", TTL).withMinimumHold(Duration.ofHours(1))).leaseOrThrow();
        ticker.advance(TTL);
        nodes.forEach(node -> node.put("job", "next-holder", TTL));

        assertThat(lease.release()).isFalse();

        nodes.forEach(node -> assertThat(node.get("job")).isEqualTo("next-holder"));
    }

    @Test
    void aNegativeHoldIsRejected() {
        assertThatThrownBy(() -> LockRequest.of("job", TTL).withMinimumHold(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minimumHold");
    }
}
