package io.github.redlock;

import io.github.redlock.internal.NodeReply;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What keeps one {@link HeldLock}'s key on every reachable node while it is held, so that the lock
 * survives up to {@code N - quorum} nodes losing it at any one time (a restart without persistence,
 * a failover, eviction, a node whose clock runs fast and expires keys early):
 *
 * <ul>
 * <li><b>Fill-in</b>: after the grant (and after each renewal), sets the key on the nodes that
 * refused it or did not answer. While the lease stands on a bare quorum, where one more lost key
 * loses the lock, the tries come fast ({@link #FAST_TRIES} of them, {@link #fastGapNanos} apart);
 * then they back off over 8 retry delays, as before.</li>
 * <li><b>Check</b>, for leases without keep-alive (a keep-alive renewal, every third of the TTL,
 * does the same): every third of the TTL, one script per node re-creates the key where it is
 * missing and tells where another value holds it; nodes found without the key start a fill-in.</li>
 * </ul>
 *
 * <p>Each try creates the key only where it is absent, never over another value and never
 * touching a key that holds the lease's value, with a TTL that ends when the lease's validity does:
 * nothing here extends the lease. When another value holds the key on a quorum of nodes, the lock
 * is gone: the lease's validity ends and it is reported {@link HeldLock#lost()}. Everything stops
 * when the lock ends or its validity runs out. Its state is guarded by the held lock's monitor,
 * under which every try is sent while the lock is held.
 */
final class FillIn {

    /**
     * Backoff gaps after the first try, as shares of {@code retryDelay}: spread over 8 retry delays
     * in all, because a refusing node often holds a competitor's key for only a moment (from a
     * failed attempt it is about to release), and competitors retry.
     */
    private static final double[] GAPS = {0.25, 0.75, 1, 2, 4};

    /** Tries, while the lease stands on a bare quorum, before the backoff. */
    static final int FAST_TRIES = 16;

    private static final long MIN_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final HeldLock held;
    private final LockEngine engine;
    private final boolean enabled;
    private final boolean checks;
    private final long fastGapNanos;
    private final long checkPeriodNanos;

    // Guarded by held.
    private final TreeSet<Integer> missing = new TreeSet<>();
    private int fastTries;
    private int slowTries;
    /** Raised by each restart: a round of an earlier one neither reports where the key stands nor goes on. */
    private long generation;

    /**
     * @param enabled false only in tests that show what fill-in prevents
     * @param checks whether it checks the nodes on its own schedule (a lease without keep-alive)
     */
    FillIn(HeldLock held, LockEngine engine, boolean enabled, boolean checks, long ttlNanos) {
        this.held = held;
        this.engine = engine;
        this.enabled = enabled;
        this.checks = checks;
        this.fastGapNanos = fastGapNanos(ttlNanos, engine.options().retryDelay().toNanos());
        this.checkPeriodNanos = checkPeriodNanos(ttlNanos);
    }

    /**
     * The gap between the fast tries: a 64th of the TTL (so the {@link #FAST_TRIES} cover a quarter of
     * it), at most a quarter of the retry delay, at least 1 ms.
     */
    static long fastGapNanos(long ttlNanos, long retryDelayNanos) {
        return Math.max(MIN_GAP_NANOS, Math.min(ttlNanos / 64, retryDelayNanos / 4));
    }

    /** How often a lease without keep-alive checks its nodes: every third of the TTL, like a keep-alive renewal. */
    static long checkPeriodNanos(long ttlNanos) {
        return Math.max(MIN_GAP_NANOS, ttlNanos / 3);
    }

    /**
     * Starts over from where {@code answered} (every node answered: the grant, or a renewal) says the
     * key stands: fills in the nodes that did not say OK, at once; when there are none, checks
     * later (without keep-alive) or waits for the next renewal.
     */
    void restart(Ballot answered) {
        if (!enabled) {
            return;
        }
        long round;
        boolean fill;
        synchronized (held) {
            missing.clear();
            for (int i = 0; i < engine.nodes().size(); i++) {
                if (!answered.okAt(i)) {
                    missing.add(i);
                }
            }
            fastTries = 0;
            slowTries = 0;
            round = ++generation;
            fill = !missing.isEmpty();
        }
        if (fill) {
            run(round, false);
        } else if (checks) {
            engine.schedule(new Check(() -> run(round, true)), checkPeriodNanos);
        }
    }

    /**
     * A check round due a third of the TTL later (or a fill-in that goes on at that pace), as its
     * own type so that tests whose scheduler runs every task at once can leave it out.
     */
    record Check(Runnable round) implements Runnable {
        @Override
        public void run() {
            round.run();
        }
    }

    /** One round: a check of every node, or a fill-in of the missing ones. */
    private void run(long round, boolean check) {
        List<Integer> targets = new ArrayList<>();
        List<CompletableFuture<NodeReply>> replies = new ArrayList<>();
        boolean sent = held.whileHeld(() -> {
            long leftMillis = TimeUnit.NANOSECONDS.toMillis(held.validUntilNanos() - held.ticker().nanoTime());
            if (round != generation || leftMillis < 1) {
                return;
            }
            if (check) {
                for (int i = 0; i < engine.nodes().size(); i++) {
                    targets.add(i);
                }
            } else {
                targets.addAll(missing);
            }
            for (int index : targets) {
                replies.add(engine.fillIn(index, held.key(), held.value(), leftMillis, held.token()));
            }
        });
        if (!sent || targets.isEmpty()) {
            return;
        }
        CompletableFuture.allOf(replies.toArray(CompletableFuture<?>[]::new))
                .whenComplete((all, error) -> answered(round, check, targets, replies));
    }

    private void answered(long round, boolean check, List<Integer> targets, List<CompletableFuture<NodeReply>> replies) {
        List<NodeOutcome> tried = new ArrayList<>(targets.size());
        int heldElsewhere = 0;
        long gapNanos;
        boolean checkNext;
        synchronized (held) {
            if (round != generation) {
                return; // a renewal answered since, and said where the key stands
            }
            for (int i = 0; i < targets.size(); i++) {
                int index = targets.get(i);
                String address = engine.addresses().get(index);
                NodeReply reply = replies.get(i).getNow(NodeReply.error("no reply"));
                boolean found = !reply.isOk() && held.value().equals(reply.holder());
                if (reply.isOk() || found) {
                    missing.remove(index);
                } else {
                    missing.add(index);
                    if (reply.status() == NodeReply.Status.REFUSED && reply.holder() != null) {
                        heldElsewhere++;
                    }
                }
                if (!(check && found)) { // a check reports only what it did not find in place
                    tried.add(reply.isOk() || found ? new NodeOutcome(address, NodeStatus.OK, null)
                            : Ballot.outcome(address, reply));
                }
            }
            int standing = engine.nodes().size() - missing.size();
            held.stoodOn(standing);
            if (missing.isEmpty()) {
                fastTries = 0;
                slowTries = 0;
                checkNext = true;
                gapNanos = checks ? checkPeriodNanos : -1;
            } else if (standing <= engine.quorum() && fastTries < FAST_TRIES) {
                fastTries++;
                checkNext = false;
                gapNanos = fastGapNanos;
            } else if (slowTries < GAPS.length) {
                checkNext = false;
                gapNanos = (long) (GAPS[slowTries++] * engine.options().retryDelay().toNanos());
            } else {
                checkNext = true; // tried enough: the checks (or the renewals) try again
                gapNanos = checks ? checkPeriodNanos : -1;
            }
        }
        if (!tried.isEmpty()) {
            held.filledIn(tried);
        }
        if (heldElsewhere >= engine.quorum()) {
            held.lostToAnother();
            return;
        }
        if (gapNanos >= 0) {
            Runnable next = () -> run(round, checkNext);
            engine.schedule(checkNext ? new Check(next) : next, gapNanos);
        }
    }
}
