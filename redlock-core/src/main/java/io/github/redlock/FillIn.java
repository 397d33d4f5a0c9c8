package io.github.redlock;

import io.github.redlock.internal.Node;
import io.github.redlock.internal.NodeReply;
import io.github.redlock.internal.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A granted lease while it is held: registered at the grant, ended by its release (or a kept
 * minimum hold); forgotten once its validity ran out. It fills in the nodes that refused the lease or
 * did not answer, so that the lease stands on every reachable node and survives up to
 * {@code N - quorum} of them losing it: each try creates the key only where it is absent, never
 * over another value, with a TTL that ends when the lease's validity does; the tries stop when
 * every node holds the key or after the last one. Renewals re-create lost keys only while it is
 * held, through {@link #whileHeld}.
 *
 * <p>Every write (a fill-in try, a re-creating renewal) happens under this object's monitor after
 * checking that it was not {@link #stop() stopped}, and {@code stop()} takes the same monitor
 * before the release is written: on each node's connection the release therefore follows those
 * writes, and none lands after it.
 */
final class FillIn {

    /**
     * Gaps before each try, as shares of {@code retryDelay}: the first at once, then spread over
     * 8 retry delays in all, because a refusing node often holds a competitor's key for only a
     * moment (from a failed attempt it is about to release), and competitors retry.
     */
    private static final double[] GAPS = {0, 0.25, 0.75, 1, 2, 4};

    private final LockEngine engine;
    private final List<Node> nodes;
    private final String key;
    private final Ticker ticker;
    private final long retryDelayNanos;
    private final List<Integer> missing = new ArrayList<>();
    private volatile Lease lease;
    private int tries;
    private boolean stopped;

    FillIn(LockEngine engine, List<Node> nodes, String key, Lease lease, Ticker ticker, long retryDelayNanos) {
        this.engine = engine;
        this.nodes = nodes;
        this.key = key;
        this.lease = lease;
        this.ticker = ticker;
        this.retryDelayNanos = retryDelayNanos;
    }

    String key() {
        return key;
    }

    String value() {
        return lease.value();
    }

    /** Starts filling in the nodes (by index) that did not grant the lease. */
    void start(List<Integer> notGranted) {
        synchronized (this) {
            missing.addAll(notGranted);
        }
        run();
    }

    /** Ends it: nothing is written for this lease after this returns. */
    synchronized void stop() {
        stopped = true;
    }

    /** Writes with {@code send} under the monitor while the lease is held; null once it was stopped. */
    synchronized @Nullable CompletableFuture<Ballot> whileHeld(Supplier<CompletableFuture<Ballot>> send) {
        return stopped ? null : send.get();
    }

    /** Whether the lease's validity (the latest renewal's) has run out. */
    boolean expired() {
        return lease.validUntilNanos() - ticker.nanoTime() <= 0;
    }

    /** A renewal succeeded: fill-ins use its validity from now on. */
    void renewed(Lease renewed) {
        lease = renewed;
    }

    private void run() {
        List<Integer> targets;
        List<CompletableFuture<NodeReply>> replies = new ArrayList<>();
        Lease current = lease;
        synchronized (this) {
            long leftMillis = TimeUnit.NANOSECONDS.toMillis(current.validUntilNanos() - ticker.nanoTime());
            if (stopped || missing.isEmpty() || leftMillis < 1 || tries >= GAPS.length) {
                return;
            }
            tries++;
            targets = List.copyOf(missing);
            for (int index : targets) {
                replies.add(nodes.get(index).acquireOrReportHolder(key, current.value(), leftMillis));
            }
        }
        CompletableFuture.allOf(replies.toArray(CompletableFuture<?>[]::new)).whenComplete((all, error) -> {
            List<NodeOutcome> tried = new ArrayList<>(targets.size());
            boolean last;
            long gapNanos;
            synchronized (this) {
                for (int i = 0; i < targets.size(); i++) {
                    Node node = nodes.get(targets.get(i));
                    NodeReply reply = replies.get(i).getNow(NodeReply.error("no reply"));
                    boolean holds = reply.isOk() || current.value().equals(reply.holder());
                    if (holds) {
                        missing.remove(targets.get(i));
                    }
                    tried.add(holds ? new NodeOutcome(node.address(), NodeStatus.OK, null)
                            : Ballot.outcome(node.address(), reply));
                }
                current.standsOn(nodes.size() - missing.size());
                lease.standsOn(nodes.size() - missing.size());
                last = missing.isEmpty() || tries >= GAPS.length;
                gapNanos = last ? 0 : (long) (GAPS[tries] * retryDelayNanos);
            }
            engine.filledIn(current.resource(), tried);
            if (!last) {
                engine.schedule(this::run, gapNanos);
            }
        });
    }
}
