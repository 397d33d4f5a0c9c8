package io.github.redlock;

import io.github.redlock.internal.Jitter;
import io.github.redlock.internal.Node;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Redlock} over in-memory nodes with a manual clock, for unit tests of code built on the
 * engine (the Spring advice's, through this module's test jar). Not a stand-in for Redis: the
 * algorithm's arithmetic and the lifecycle's rules only. Scheduled tasks (retries, fill-ins) run at
 * once, the clock moved to their time, so a blocking call never waits; a kept-alive lock would renew
 * without end, so requests here must not ask for keep-alive.
 */
public final class FakeRedlock {

    private final ManualTicker ticker = new ManualTicker();
    private final List<FakeNode> nodes;
    private final Redlock redlock;

    private FakeRedlock(int count) {
        this.nodes = IntStream.range(0, count).mapToObj(i -> new FakeNode("redis://fake:" + (6379 + i), ticker)).toList();
        this.redlock = new Redlock(RedlockOptions.builder().servers(nodes.stream().map(FakeNode::address).toList()).build(),
                List.<Node>copyOf(nodes), ticker, (task, delayNanos) -> {
                    if (task instanceof FillIn.Check) {
                        return; // due a third of the TTL later: a scheduler that runs tasks at once leaves the checks out
                    }
                    ticker.advance(Duration.ofNanos(delayNanos));
                    task.run();
                }, Jitter.RANDOM);
    }

    /** A Redlock over {@code count} in-memory nodes. */
    public static FakeRedlock withNodes(int count) {
        return new FakeRedlock(count);
    }

    public Redlock redlock() {
        return redlock;
    }

    /** The value {@code key} holds on node {@code node}, or null. */
    public @Nullable String get(int node, String key) {
        return nodes.get(node).get(key);
    }

    /** How many nodes hold {@code key} with any value. */
    public long holding(String key) {
        return nodes.stream().filter(node -> node.get(key) != null).count();
    }

    /** Sets {@code key} to {@code value} on every node, as another client holding the lock would. */
    public void heldElsewhere(String key, Duration ttl) {
        nodes.forEach(node -> node.put(key, "someone-else", ttl));
    }

    /** Makes node {@code node} answer with errors (down), or normally again. */
    public void down(int node, boolean down) {
        nodes.get(node).mode(down ? FakeNode.Mode.ERROR : FakeNode.Mode.UP);
    }

    /** Moves the clock. */
    public void advance(Duration duration) {
        ticker.advance(duration);
    }
}
