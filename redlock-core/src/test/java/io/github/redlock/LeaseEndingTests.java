package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.internal.Jitter;
import io.github.redlock.internal.Node;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The lease operations the adapters (ShedLock, Spring Integration) share with the core's locked
 * calls: whether work may still start under a lease ({@link Lease#isUsable()}, the one validity
 * margin), ending a grant nobody used ({@link Lease#abandon()}), and ending a lease whose renewal
 * failed ({@link Lease#relinquish()}). In-memory nodes, a manual clock.
 */
class LeaseEndingTests {

    private static final Duration TTL = Duration.ofSeconds(10);
    /** 1% of the TTL. */
    private static final Duration MARGIN = Duration.ofMillis(100);

    private final ManualTicker ticker = new ManualTicker();
    private final List<FakeNode> nodes = IntStream.range(0, 3)
            .mapToObj(i -> new FakeNode("redis://fake:" + (6379 + i), ticker)).toList();
    private final Redlock redlock = new Redlock(
            RedlockOptions.builder().servers(nodes.stream().map(FakeNode::address).toList()).build(),
            List.<Node>copyOf(nodes), ticker, (task, delayNanos) -> { }, Jitter.RANDOM);

    private Lease held(LockRequest request) {
        return redlock.tryLock(request).leaseOrThrow();
    }

    @Test
    void aLeaseIsUsableWhileMoreThanOnePercentOfItsTtlIsLeft() {
        Lease lease = held(LockRequest.of("job", TTL));
        ticker.advance(lease.remaining().minus(MARGIN).minusNanos(1));
        assertThat(lease.isUsable()).as("just over the margin left").isTrue();
        ticker.advance(Duration.ofNanos(1));
        assertThat(lease.isValid()).as("still valid").isTrue();
        assertThat(lease.isUsable()).as("exactly the margin left").isFalse();
    }

    @Test
    void afterARenewalToAnotherTtlTheMarginIsOnePercentOfThatTtl() {
        Lease lease = held(LockRequest.of("job", Duration.ofSeconds(100))); // a margin of 1 s
        assertThat(redlock.extend(lease, TTL)).contains(lease);
        assertThat(lease.isUsable()).as("renewed to %d ms: usable with its whole validity left", TTL.toMillis())
                .isTrue();
        ticker.advance(lease.remaining().minus(MARGIN).minusNanos(1));
        assertThat(lease.isUsable()).as("just over 1% of the new TTL left").isTrue();
        ticker.advance(Duration.ofNanos(1));
        assertThat(lease.isUsable()).as("1% of the new TTL left").isFalse();
    }

    @Test
    void theMarginIsAtLeastOneMillisecond() {
        Lease lease = held(LockRequest.of("short", Duration.ofMillis(50)));
        ticker.advance(lease.remaining().minusMillis(1));
        assertThat(lease.isValid()).isTrue();
        assertThat(lease.isUsable()).isFalse();
    }

    @Test
    void aReleasedLeaseIsNotUsable() {
        Lease lease = held(LockRequest.of("job", TTL));
        lease.release();
        assertThat(lease.isUsable()).isFalse();
    }

    @Test
    void abandonDeletesAnUnusableGrantAtOnceWhateverTheMinimumHold() {
        Lease lease = held(LockRequest.of("job", TTL).withMinimumHold(Duration.ofSeconds(5)));
        ticker.advance(lease.remaining().minus(MARGIN)); // as a grant that arrives with only the margin left
        assertThat(lease.abandon()).isTrue();
        nodes.forEach(node -> assertThat(node.get("job")).as("deleted, not kept for the hold").isNull());
        assertThat(lease.isValid()).isFalse();
        assertThat(lease.abandon()).as("once").isFalse();
    }

    @Test
    void abandonKeepsTheMinimumHoldOfAUsableLease() {
        Lease lease = held(LockRequest.of("job", TTL).withMinimumHold(Duration.ofSeconds(5)));
        ticker.advance(Duration.ofSeconds(1));
        assertThat(lease.abandon()).isTrue();
        nodes.forEach(node -> {
            assertThat(node.get("job")).as("kept for the hold: work may have started under a usable lease")
                    .isEqualTo(lease.value());
            assertThat(node.pttlMillis("job")).as("until the hold ends").isEqualTo(4_000);
        });
        assertThat(lease.isValid()).isFalse();
        assertThat(lease.abandon()).as("once").isFalse();
    }

    @Test
    void relinquishLeavesAStillValidLeaseToExpire() {
        Lease lease = held(LockRequest.of("job", TTL));
        ticker.advance(Duration.ofSeconds(1));
        assertThat(lease.relinquish()).isTrue();
        assertThat(lease.isValid()).isFalse();
        assertThat(redlock.heldLeases()).isEmpty();
        nodes.forEach(node -> {
            assertThat(node.get("job")).as("left in place").isEqualTo(lease.value());
            assertThat(node.pttlMillis("job")).as("with the TTL it has left").isEqualTo(9_000);
        });
    }

    @Test
    void relinquishLeavesALeaseNoLongerValidToExpireToo() {
        Lease lease = held(LockRequest.of("job", TTL));
        // Past the validity, not yet past the keys' TTL (the drift allowance lies between).
        ticker.advance(lease.remaining().plusMillis(1));
        assertThat(lease.isValid()).isFalse();
        nodes.forEach(node -> assertThat(node.get("job")).isEqualTo(lease.value()));
        assertThat(lease.relinquish()).isFalse();
        nodes.forEach(node -> assertThat(node.get("job")).as("left in place: its holder may still work").isEqualTo(lease.value()));
        assertThat(redlock.heldLeases()).isEmpty();
    }
}
