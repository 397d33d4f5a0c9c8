package io.github.redlock;

import io.github.redlock.internal.Node;
import io.github.redlock.internal.NodeReply;
import io.github.redlock.internal.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * After a grant, sets the lease's key on the nodes that refused or did not answer, so that the
 * lease stands on every reachable node and survives up to {@code N - quorum} of them losing it.
 * Each try creates the key only where it is absent, never overwriting another value, with a TTL
 * that ends when the lease's validity does. Tries stop when every node holds the key, when the
 * lease is released or shortened ({@link #stop()}) or runs out, or after the last try.
 *
 * <p>A try is written under this object's monitor after checking {@link #stop()} was not called,
 * and {@code stop()} takes the same monitor before the release is written: on each node's
 * connection the release therefore follows any fill-in, and no fill-in lands after it.
 */
final class FillIn {

    /**
     * Delays of the tries after the grant's last reply, as shares of {@code retryDelay}; the first
     * is at once. Spread out, because a refusing node often holds a competitor's key for only a
     * moment, from a failed attempt it is about to release, and competitors retry.
     */
    private static final double[] TRIES = {0, 0.25, 1, 2, 4, 8};

    private final List<Node> nodes;
    private final String key;
    private final Lease lease;
    private final Ticker ticker;
    private final LockEngine engine;
    private final long retryDelayNanos;
    private final List<Integer> missing = new ArrayList<>();
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

    Lease lease() {
        return lease;
    }

    /** Starts filling in the nodes (by index) that did not grant the lease; nothing when stopped already. */
    void start(List<Integer> notGranted) {
        synchronized (this) {
            missing.addAll(notGranted);
        }
        run();
    }

    /** Ends the fill-in: no try is written after this returns. */
    synchronized void stop() {
        stopped = true;
    }

    /** Writes the next try, unless stopped, done or out of validity; schedules the one after. */
    void run() {
        List<Integer> targets;
        List<CompletableFuture<NodeReply>> replies = new ArrayList<>();
        synchronized (this) {
            long leftMillis = TimeUnit.NANOSECONDS.toMillis(lease.validUntilNanos() - ticker.nanoTime());
            if (stopped || missing.isEmpty() || leftMillis < 1) {
                finish();
                return;
            }
            tries++;
            targets = List.copyOf(missing);
            for (int index : targets) {
                replies.add(nodes.get(index).acquireOrReportHolder(key, lease.value(), leftMillis));
                engine.fillInAttempted();
            }
        }
        CompletableFuture.allOf(replies.toArray(CompletableFuture<?>[]::new)).whenComplete((done, error) -> {
            synchronized (this) {
                for (int i = 0; i < targets.size(); i++) {
                    NodeReply reply = replies.get(i).getNow(NodeReply.error("no reply"));
                    if (reply.isOk() || lease.value().equals(reply.holder())) {
                        missing.remove(targets.get(i));
                        engine.fillInSucceeded();
                    }
                }
                lease.standsOn(nodes.size() - missing.size());
                if (missing.isEmpty() || tries >= TRIES.length) {
                    finish();
                    return;
                }
            }
            engine.schedule(this::run, (long) (TRIES[tries] * retryDelayNanos));
        });
    }

    private void finish() {
        engine.fillInDone(this);
    }
}
