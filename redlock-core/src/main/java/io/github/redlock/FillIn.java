package io.github.redlock;

import io.github.redlock.internal.NodeReply;
import io.github.redlock.internal.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * What keeps one {@link HeldLock}'s key on every reachable node while it is held, so that the lock
 * survives up to {@code N - quorum} nodes losing it at any one time (a restart without persistence,
 * a failover, eviction, a node whose clock runs fast and expires keys early):
 *
 * <ul>
 * <li><b>Fill-in</b>: after the grant (and after each renewal), sets the key on the nodes that
 * refused it or did not answer. While the lease stands on a bare quorum, where one more lost key
 * loses the lock, the nodes where another value holds the key are tried fast ({@link #FAST_TRIES}
 * tries, {@link #fastGapNanos} apart); then, and for nodes that erred or timed out from the start,
 * the tries back off over 8 retry delays, as before.</li>
 * <li><b>Check</b>, for leases without keep-alive (a keep-alive renewal, every third of the TTL,
 * does the same): every third of the TTL (of the request, or of the last renewal), one script per
 * node re-creates the key where it is missing and tells where another value holds it; nodes found
 * without the key start a fill-in.</li>
 * </ul>
 *
 * <p>Each try creates the key only where it is absent, never over another value and never
 * touching a key that holds the lease's value, with a TTL that ends when the lease's validity does:
 * nothing here extends the lease. When a round finds the key not holding the lease's value (missing,
 * so created, or holding another value) on so many nodes that a quorum can no longer hold it
 * ({@code N - quorum + 1}: another client may have held the lock there meanwhile), the lock is
 * gone: the lease's validity ends and it is reported {@link HeldLock#lost()}. Nodes that erred or
 * timed out are no evidence either way. Everything stops, and the scheduled round is cancelled,
 * when the lock ends, is lost or its validity runs out. Its state is guarded by the held lock's
 * monitor, under which every try is sent and every round scheduled while the lock is held.
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

    /** What a round does: checks every node, tries every missing node, or fast-tries the refusing ones. */
    private enum Kind { CHECK, FILL, FAST }

    private final HeldLock held;
    private final LockEngine engine;
    private final boolean enabled;
    private final boolean checks;

    // Guarded by held.
    private final TreeSet<Integer> missing = new TreeSet<>();
    /** The missing nodes whose last answer was another value (or type): the only ones tried fast. */
    private final TreeSet<Integer> refused = new TreeSet<>();
    private long fastGapNanos;
    private long checkPeriodNanos;
    private int fastTries;
    private int slowTries;
    /**
     * The nodes where a fill-in try (not a check) may have reserved the lease's place in the waiter
     * queue (another value held the key, or the try is unanswered or failed), left when the lease
     * ends or is lost.
     */
    private final TreeSet<Integer> reserved = new TreeSet<>();
    /** Raised by each restart: a round of an earlier one neither reports where the key stands nor goes on. */
    private long generation;
    /** Set once the lease ended or was lost: nothing more is scheduled. */
    private boolean stopped;
    /** Cancels the round scheduled last, if it has not run. */
    private @Nullable Runnable pending;

    /**
     * @param enabled false only in tests that show what fill-in prevents
     * @param checks whether it checks the nodes on its own schedule (a lease without keep-alive)
     */
    FillIn(HeldLock held, LockEngine engine, boolean enabled, boolean checks) {
        this.held = held;
        this.engine = engine;
        this.enabled = enabled;
        this.checks = checks;
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
     * How many nodes must say the key does not hold the lease's value before a quorum can no longer
     * hold it: {@code N - quorum + 1}.
     */
    static int lostAt(LockEngine engine) {
        return engine.nodes().size() - engine.quorum() + 1;
    }

    /**
     * Starts over from where {@code answered} (every node answered: the grant, or a renewal to
     * {@code ttlNanos}) says the key stands: fills in the nodes that did not say OK, at once; when
     * there are none, checks a third of {@code ttlNanos} later (without keep-alive) or waits for the
     * next renewal. Does nothing once the lease ended (a grant's last reply arriving after the release).
     */
    void restart(Ballot answered, long ttlNanos) {
        if (!enabled) {
            return;
        }
        long round;
        boolean fill;
        synchronized (held) {
            if (stopped || !held.heldAt(held.ticker().nanoTime())) {
                return;
            }
            cancelPending();
            missing.clear();
            refused.clear();
            for (int i = 0; i < engine.nodes().size(); i++) {
                if (!answered.okAt(i)) {
                    missing.add(i);
                }
            }
            fastGapNanos = fastGapNanos(ttlNanos, engine.options().retryDelay().toNanos());
            checkPeriodNanos = checkPeriodNanos(ttlNanos);
            fastTries = 0;
            slowTries = 0;
            round = ++generation;
            fill = !missing.isEmpty();
            if (!fill && checks) {
                schedule(round, Kind.CHECK, checkPeriodNanos);
            }
        }
        if (fill) {
            run(round, Kind.FILL);
        }
    }

    /** Stops for good: the lease ended or was lost. Cancels the round scheduled, if any. */
    void stop() {
        synchronized (held) {
            stopped = true;
            cancelPending();
        }
    }

    /**
     * Once stopped: the nodes where a try may have reserved the lease's place in the waiter queue
     * (see {@link io.github.redlock.internal.Node#fillIn}), for the lease to leave as it ends; empty
     * after the first call.
     */
    java.util.Set<Integer> takeReserved() {
        synchronized (held) {
            java.util.Set<Integer> places = new TreeSet<>(reserved);
            reserved.clear();
            return places;
        }
    }

    private void cancelPending() {
        Runnable cancel = pending;
        pending = null;
        if (cancel != null) {
            cancel.run();
        }
    }

    /** Schedules the next round; under the monitor, so that {@link #stop()} always finds it to cancel. */
    private void schedule(long round, Kind kind, long gapNanos) {
        if (stopped || round != generation) {
            return;
        }
        Runnable next = () -> run(round, kind);
        pending = engine.scheduleCancellable(kind == Kind.CHECK ? new Check(next) : new Round(next), gapNanos);
    }

    /** A scheduled round, which does nothing once cancelled. */
    static class Round implements Scheduler.Cancellable {

        private final Runnable round;
        private volatile boolean cancelled;

        Round(Runnable round) {
            this.round = round;
        }

        @Override
        public final void run() {
            if (!cancelled) {
                round.run();
            }
        }

        @Override
        public final void cancel() {
            cancelled = true;
        }
    }

    /**
     * A check round due a third of the TTL later (or a fill-in that goes on at that pace), as its
     * own type so that tests whose scheduler runs every task at once can leave it out.
     */
    static final class Check extends Round {

        Check(Runnable round) {
            super(round);
        }
    }

    /** One round: a check of every node, a fill-in of the missing ones, or a fast try of the refusing ones. */
    private void run(long round, Kind kind) {
        List<Integer> targets = new ArrayList<>();
        List<CompletableFuture<NodeReply>> replies = new ArrayList<>();
        boolean sent = held.whileHeld(() -> {
            long leftMillis = TimeUnit.NANOSECONDS.toMillis(held.validUntilNanos() - held.ticker().nanoTime());
            if (stopped || round != generation || leftMillis < 1) {
                return;
            }
            switch (kind) {
                case CHECK -> {
                    for (int i = 0; i < engine.nodes().size(); i++) {
                        targets.add(i);
                    }
                }
                case FILL -> targets.addAll(missing);
                case FAST -> targets.addAll(refused);
            }
            boolean reserving = kind != Kind.CHECK && held.token() == 0;
            for (int index : targets) {
                replies.add(engine.fillIn(index, held.key(), held.value(), leftMillis, held.token(), reserving));
                if (reserving) {
                    reserved.add(index); // until it answers that the key holds the value (the script then removed any place)
                }
            }
        });
        if (!sent || targets.isEmpty()) {
            return;
        }
        CompletableFuture.allOf(replies.toArray(CompletableFuture<?>[]::new))
                .whenComplete((all, error) -> answered(round, kind == Kind.CHECK, targets, replies));
    }

    private void answered(long round, boolean check, List<Integer> targets, List<CompletableFuture<NodeReply>> replies) {
        List<NodeOutcome> tried = new ArrayList<>(targets.size());
        int notHolding = 0;
        int created = 0;
        boolean lost;
        synchronized (held) {
            if (stopped || round != generation) {
                return; // ended, lost, or a renewal answered since and said where the key stands
            }
            for (int i = 0; i < targets.size(); i++) {
                int index = targets.get(i);
                String address = engine.addresses().get(index);
                NodeReply reply = replies.get(i).getNow(NodeReply.error("no reply"));
                boolean found = !reply.isOk() && held.value().equals(reply.holder());
                if (!check && (reply.isOk() || found)) {
                    reserved.remove(index); // the reserving script removed the place there; a check's plain one does not
                }
                if (reply.isOk() || found) {
                    missing.remove(index);
                    refused.remove(index);
                } else {
                    missing.add(index);
                    if (reply.status() == NodeReply.Status.REFUSED) {
                        refused.add(index);
                    } else {
                        refused.remove(index); // an error or a timeout: no evidence, and no fast tries
                    }
                }
                // Evidence that the key did not hold the lease's value there: created now, or another value.
                if (reply.isOk()) {
                    created++;
                    notHolding++;
                } else if (reply.status() == NodeReply.Status.REFUSED && !found) {
                    notHolding++;
                }
                if (!(check && found)) { // a check reports only what it did not find in place
                    tried.add(reply.isOk() || found ? new NodeOutcome(address, NodeStatus.OK, null)
                            : Ballot.outcome(address, reply));
                }
            }
            int standing = engine.nodes().size() - missing.size();
            // A quorum can no longer be holding the key: another client may have held the lock
            // meanwhile, so the keys just created stand for nothing. Lost, before counting them.
            lost = notHolding >= lostAt(engine);
            if (lost) {
                held.stoodOn(standing - created);
                stopped = true;
                cancelPending();
            } else {
                held.stoodOn(standing);
                scheduleNext(round, standing);
            }
        }
        if (lost) {
            held.lostKey(); // the keys it created are not reported as filled in: they hold a lost lock
        } else if (!tried.isEmpty()) {
            held.filledIn(tried);
        }
    }

    /** After a round: checks later once every node holds the key, else tries again, fast or backing off. */
    private void scheduleNext(long round, int standing) {
        if (missing.isEmpty()) {
            fastTries = 0;
            slowTries = 0;
            if (checks) {
                schedule(round, Kind.CHECK, checkPeriodNanos);
            }
        } else if (standing <= engine.quorum() && !refused.isEmpty() && fastTries < FAST_TRIES) {
            fastTries++;
            schedule(round, Kind.FAST, fastGapNanos);
        } else if (slowTries < GAPS.length) {
            schedule(round, Kind.FILL, (long) (GAPS[slowTries++] * engine.options().retryDelay().toNanos()));
        } else if (checks) {
            schedule(round, Kind.CHECK, checkPeriodNanos); // tried enough: the checks try again
        }
    }
}
