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

/** {@link Redlock#release(Lease, Duration)}: the minimum hold, against in-memory nodes and a manual clock. */
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
                scheduledDelays.add(delayNanos);
                ticker.advance(Duration.ofNanos(delayNanos));
                task.run();
            }, Jitter.RANDOM);

    @Test
    void aHoldThatIsOverReleasesAtOnce() {
        Lease lease = redlock.lock("job", TTL).orElseThrow();
        ticker.advance(HOLD);

        assertThat(redlock.release(lease, HOLD)).isTrue();

        nodes.forEach(node -> assertThat(node.get("job")).isNull());
    }

    @Test
    void aHoldNotOverYetSetsTheKeyToExpireWhenItEnds() {
        Lease lease = redlock.lock("job", TTL).orElseThrow();
        ticker.advance(Duration.ofMillis(100));

        assertThat(redlock.release(lease, HOLD)).isTrue();

        nodes.forEach(node -> {
            assertThat(node.get("job")).isEqualTo(lease.value());
            assertThat(node.pttlMillis("job")).isEqualTo(900);
        });
        ticker.advance(Duration.ofMillis(900));
        nodes.forEach(node -> assertThat(node.get("job")).isNull());
    }

    @Test
    void aLeaseKeptForItsHoldIsNotHeldAndOutlivesClose() {
        Lease lease = redlock.lock("job", TTL).orElseThrow();
        Lease other = redlock.lock("other", TTL).orElseThrow();

        redlock.release(lease, HOLD);

        assertThat(redlock.heldLeases()).containsExactly(other);
        redlock.close();
        nodes.forEach(node -> {
            assertThat(node.get("job")).as("kept until the hold ends").isEqualTo(lease.value());
            assertThat(node.get("other")).as("released on close").isNull();
        });
    }

    @Test
    void theHoldCountsFromTheFirstGrantNotFromARenewal() {
        Lease lease = redlock.lock("job", TTL).orElseThrow();
        ticker.advance(Duration.ofMillis(600));
        Lease renewed = redlock.extend(lease, TTL).orElseThrow();
        ticker.advance(Duration.ofMillis(100));

        redlock.release(renewed, HOLD);

        nodes.forEach(node -> assertThat(node.pttlMillis("job")).isEqualTo(300));
    }

    @Test
    void aShorterExpiryNotConfirmedByAQuorumIsReplacedByAReleaseWhenTheHoldEnds() {
        Lease lease = redlock.lock("job", TTL).orElseThrow();
        nodes.get(0).mode(FakeNode.Mode.ERROR);
        nodes.get(1).mode(FakeNode.Mode.TIMEOUT);
        ticker.advance(Duration.ofMillis(200));

        assertThat(redlock.release(lease, HOLD)).isFalse();

        assertThat(scheduledDelays).containsExactly(Duration.ofMillis(800).toNanos());
        assertThat(nodes.get(2).get("job")).as("released at the hold's end").isNull();
    }

    @Test
    void anExpiredLeaseIsLeftAlone() {
        Lease lease = redlock.lock("job", TTL).orElseThrow();
        ticker.advance(TTL);
        nodes.forEach(node -> node.put("job", "next-holder", TTL));

        assertThat(redlock.release(lease, Duration.ofHours(1))).isFalse();

        nodes.forEach(node -> assertThat(node.get("job")).isEqualTo("next-holder"));
    }

    @Test
    void aNegativeHoldIsRejected() {
        Lease lease = redlock.lock("job", TTL).orElseThrow();

        assertThatThrownBy(() -> redlock.release(lease, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minHoldTime");
        assertThat(redlock.heldLeases()).containsExactly(lease);
    }
}
