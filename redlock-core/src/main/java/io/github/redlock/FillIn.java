package io.github.redlock;

import io.github.redlock.internal.NodeReply;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The fill-in of one {@link HeldLock}: sets the lock's key on the nodes that refused the grant or
 * did not answer, so that the lock stands on every reachable node and survives up to
 * {@code N - quorum} of them losing it. Each try creates the key only where it is absent, never over
 * another value, with a TTL that ends when the lease's validity does; the tries stop when every
 * node holds the key, after the last one, or when the lock ends. Its state is guarded by the held
 * lock's monitor, under which every try is sent while the lock is held.
 */
final class FillIn {

    /**
     * Gaps before each try, as shares of {@code retryDelay}: the first at once, then spread over
     * 8 retry delays in all, because a refusing node often holds a competitor's key for only a
     * moment (from a failed attempt it is about to release), and competitors retry.
     */
    private static final double[] GAPS = {0, 0.25, 0.75, 1, 2, 4};

    private final HeldLock held;
    private final LockEngine engine;
    private final boolean enabled;
    private final List<Integer> missing = new ArrayList<>();
    private int tries;

    /** @param enabled false only in tests that show what fill-in prevents */
    FillIn(HeldLock held, LockEngine engine, boolean enabled) {
        this.held = held;
        this.engine = engine;
        this.enabled = enabled;
    }

    /** Starts filling in the nodes that did not grant the lock, once every node answered the grant. */
    void start(Ballot grant) {
        if (!enabled) {
            return;
        }
        synchronized (held) {
            for (int i = 0; i < engine.nodes().size(); i++) {
                if (!grant.okAt(i)) {
                    missing.add(i);
                }
            }
        }
        run();
    }

    private void run() {
        List<Integer> targets = new ArrayList<>();
        List<CompletableFuture<NodeReply>> replies = new ArrayList<>();
        boolean sent = held.whileHeld(() -> {
            long leftMillis = TimeUnit.NANOSECONDS.toMillis(held.validUntilNanos() - held.ticker().nanoTime());
            if (missing.isEmpty() || leftMillis < 1 || tries >= GAPS.length) {
                return;
            }
            tries++;
            targets.addAll(missing);
            for (int index : targets) {
                replies.add(engine.fillIn(index, held.key(), held.value(), leftMillis, held.token()));
            }
        });
        if (!sent || targets.isEmpty()) {
            return;
        }
        CompletableFuture.allOf(replies.toArray(CompletableFuture<?>[]::new)).whenComplete((all, error) -> {
            List<NodeOutcome> tried = new ArrayList<>(targets.size());
            boolean last;
            long gapNanos;
            synchronized (held) {
                for (int i = 0; i < targets.size(); i++) {
                    String address = engine.addresses().get(targets.get(i));
                    NodeReply reply = replies.get(i).getNow(NodeReply.error("no reply"));
                    boolean holds = reply.isOk() || held.value().equals(reply.holder());
                    if (holds) {
                        missing.remove(targets.get(i));
                    }
                    tried.add(holds ? new NodeOutcome(address, NodeStatus.OK, null) : Ballot.outcome(address, reply));
                }
                held.standsOn(engine.nodes().size() - missing.size());
                last = missing.isEmpty() || tries >= GAPS.length;
                gapNanos = last ? 0 : (long) (GAPS[tries] * engine.options().retryDelay().toNanos());
            }
            held.filledIn(tried);
            if (!last) {
                engine.schedule(this::run, gapNanos);
            }
        });
    }
}
