package io.github.redlock;

import io.github.redlock.internal.FencingCounter;
import io.github.redlock.internal.Jitter;
import io.github.redlock.internal.Node;
import io.github.redlock.internal.NodeReply;
import io.github.redlock.internal.Quorum;
import io.github.redlock.internal.ReleaseNotices;
import io.github.redlock.internal.Scheduler;
import io.github.redlock.internal.Ticker;
import io.github.redlock.internal.Validity;
import io.github.redlock.internal.Waiting;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The Redlock algorithm, in one place: ask every node in parallel, grant on a quorum within the
 * validity, otherwise release what the attempt may have set and retry after a random delay. It
 * knows keys and values, never leases: a granted attempt is a {@link Grant}, which the
 * {@link HeldLocks} table turns into a held lock.
 *
 * <p>A fenced call (one with a {@link Fencing}) runs each attempt in two phases: the first mints a
 * token on every node that grants the key, in the same script ({@code max(counter + 1, node time in
 * µs)}); the second writes the largest, {@code T}, back to every node ({@code counter := max(counter,
 * T)}) and grants only when a quorum of them answer that they still hold the key, within the
 * validity. Otherwise the attempt failed, and is released and retried like any failed attempt.
 * Unfenced calls run exactly as before: one phase, the same commands.
 *
 * <p>A call that waits ({@code retryWhenHeld} and a {@code waitTime}) queues behind the engine's
 * other waiting calls for its key ({@link Waiters}), makes its attempts with a script that honours
 * the key's waiter queue on each node, and retries at the first release notice from any node, or
 * after the retry delay when none came (see {@code docs/waiting.md}).
 */
final class LockEngine {

    private static final System.Logger LOG = System.getLogger(Redlock.class.getName());

    /** One node command of an attempt. */
    interface NodeCommand {
        CompletableFuture<NodeReply> send(Node node, String key, String value, long ttlMillis);
    }

    private final List<Node> nodes;
    private final List<String> addresses;
    private final int quorum;
    private final String keyPrefix;
    private final RedlockOptions options;
    private final Ticker ticker;
    private final Scheduler scheduler;
    private final Jitter jitter;
    private final LongAdder fillInsCreated = new LongAdder();
    private final LongAdder fillInsContended = new LongAdder();
    private final LongAdder fillInsFailed = new LongAdder();
    private final AtomicLong longestFencedTtlMillis = new AtomicLong();
    private final boolean skipWriteBack;
    private final boolean timeFloor;
    private final Waiters waiters;
    private final long freshForMillis;
    private final Set<CompletableFuture<?>> leaving = ConcurrentHashMap.newKeySet();

    LockEngine(List<Node> nodes, RedlockOptions options, Ticker ticker, Scheduler scheduler, Jitter jitter) {
        this(nodes, options, ticker, scheduler, jitter, ReleaseNotices.NONE);
    }

    LockEngine(List<Node> nodes, RedlockOptions options, Ticker ticker, Scheduler scheduler, Jitter jitter,
            ReleaseNotices notices) {
        this.nodes = List.copyOf(nodes);
        this.addresses = nodes.stream().map(Node::address).toList();
        this.quorum = Quorum.of(nodes.size());
        this.keyPrefix = options.keyPrefix();
        this.options = options;
        this.ticker = ticker;
        this.scheduler = scheduler;
        this.jitter = jitter;
        this.waiters = new Waiters(notices, scheduler);
        this.freshForMillis = freshForMillis(options);
        this.skipWriteBack = options.fencingFaults().contains(FencingFault.SKIP_WRITE_BACK);
        this.timeFloor = !options.fencingFaults().contains(FencingFault.NO_TIME_FLOOR);
    }

    /**
     * How a fenced lock call gets its token.
     *
     * @param extend whether a key holding the call's value is renewed (extend-or-create), not refused
     * @param kept the caller's own lease of the same value, or null: while it is held when an attempt
     *        starts, the attempt renews that grant and keeps its token (no mint, no phase 2), granted
     *        only if the lease was still held and valid when the renewal's quorum answered; otherwise
     *        the attempt mints a new token
     */
    record Fencing(boolean extend, @Nullable HeldLock kept) {

        /** A new grant: mint, never extend. */
        static final Fencing NEW = new Fencing(false, null);
    }

    /**
     * The counter arguments of a fenced script for a lock of {@code ttlMillis}. This client's
     * quarantine, counted on each node from when a script found the counter missing there
     * ({@code lost_at}), is the configured one, never shorter than the largest TTL this engine has
     * used for a fenced call (a lease granted before the loss may still be running); 0 when
     * configured 0, which skips the wait for this client only.
     */
    FencingCounter counter(long ttlMillis) {
        long longest = longestFencedTtlMillis.accumulateAndGet(ttlMillis, Math::max);
        long configured = options.fencingQuarantine().toMillis();
        return new FencingCounter(options.fencingCounterKey(), configured == 0 ? 0 : Math.max(configured, longest),
                timeFloor);
    }

    /** The longest a waiter's entry in a node's queue stays fresh, whatever the settings. */
    static final long MAX_FRESH_MILLIS = 30_000;

    /** Release notices a waiter keeps while its attempt is in flight; past that, it retries at once after it. */
    private static final int MAX_HEARD = 16;

    /** A release notice: from {@code node} (-1 unknown), of what was released and handed over (null unknown). */
    private record Heard(int node, Waiting.@Nullable Notice released) {
    }

    /**
     * How long a waiter's entry in a node's queue stays fresh without being refreshed by an attempt:
     * three of the longest gaps between a waiter's attempts, and at least 1 s (see
     * {@link #entryFreshMillis} for the caps of each attempt).
     */
    static long freshForMillis(RedlockOptions options) {
        return Math.max(1_000, 3 * attemptGapMillis(options));
    }

    /** The longest gap between a waiter's attempts: the retry delay, its jitter and one node timeout. */
    private static long attemptGapMillis(RedlockOptions options) {
        return options.retryDelay().plus(options.retryJitter()).plus(options.timeout()).toMillis();
    }

    /**
     * How long the entry an attempt leaves stays fresh: {@code freshForMillis}, but no longer than the
     * caller's wait left plus one gap between attempts (it gives up then), nor than
     * {@link #MAX_FRESH_MILLIS}. A waiter that died blocks the others for no longer than this.
     */
    static long entryFreshMillis(long freshForMillis, long waitLeftMillis, RedlockOptions options) {
        long gap = attemptGapMillis(options);
        return Math.max(1, Math.min(MAX_FRESH_MILLIS, Math.min(freshForMillis, Math.max(0, waitLeftMillis) + gap)));
    }

    Waiters waiters() {
        return waiters;
    }

    int quorum() {
        return quorum;
    }

    List<String> addresses() {
        return addresses;
    }

    List<Node> nodes() {
        return nodes;
    }

    Ticker ticker() {
        return ticker;
    }

    RedlockOptions options() {
        return options;
    }

    /**
     * The lock key of {@code resource}.
     *
     * @throws IllegalArgumentException when it would end with {@link RedlockOptions#FENCING_COUNTER_SUFFIX}:
     *         such a key could be the fencing counter of some prefix
     */
    String key(String resource) {
        String key = keyPrefix + resource;
        if (key.endsWith(RedlockOptions.FENCING_COUNTER_SUFFIX)) {
            throw new IllegalArgumentException("resource '" + resource + "' makes the key '" + key + "', which ends with '"
                    + RedlockOptions.FENCING_COUNTER_SUFFIX + "': that ending is reserved for the fencing counter");
        }
        return key;
    }

    /**
     * A granted attempt.
     *
     * @param ballot the attempt's replies; {@link Ballot#complete()} completes when every node answered
     * @param decidedAtNanos when a quorum had said OK
     * @param validUntilNanos when the validity runs out
     * @param attempts how many attempts the call made
     * @param fencingToken the token handed out with a fenced grant; 0 when unfenced
     * @param placesKept the nodes whose waiter queues keep a waiting call's entry after its grant
     *        (those that had not said OK when it was decided), to be left when its lease ends (see
     *        {@link Acquisition#leaveQueues}); empty for a call that did not wait
     */
    record Grant(Ballot ballot, long decidedAtNanos, long validUntilNanos, int attempts, long fencingToken,
            List<Integer> placesKept) {

        Grant(Ballot ballot, long decidedAtNanos, long validUntilNanos, int attempts, long fencingToken) {
            this(ballot, decidedAtNanos, validUntilNanos, attempts, fencingToken, List.of());
        }

        Grant(Ballot ballot, long decidedAtNanos, long validUntilNanos, int attempts) {
            this(ballot, decidedAtNanos, validUntilNanos, attempts, 0);
        }
    }

    /**
     * A lock call in progress: its retries share one value. {@link #decided()} completes with a
     * {@link Grant}, or with the failed {@link LockResult}; {@link #stop()} ends it before its next
     * attempt.
     */
    final class Acquisition implements Waiters.Waiter {
        private final String resource;
        private final String key;
        private final String value;
        private final BooleanSupplier valueHeldHere;
        private final long ttlMillis;
        private final NodeCommand command;
        private final long waitUntilNanos;
        private final boolean retryWhenHeld;
        private final @Nullable Fencing fencing;
        /** Waits in the engine's line and the nodes' waiter queues (see {@link Waiters}). */
        private final boolean queued;
        /**
         * Takes hand-overs: a release may set the key to its value on a node, which then counts as
         * that node's OK (see {@link #vote}). Only a queued call whose value is random, so that a key
         * holding it can only have been set for this call.
         */
        private final boolean handOver;
        /** {@link Waiting#released} of the value, as a hand-over names it; null without hand-overs. */
        private final @Nullable String digest;
        private final long startNanos;
        private final CompletableFuture<Object> decided = new CompletableFuture<>();
        /** What callers see of {@link #decided}: for a waiting call, complete once it left the line and queues. */
        private volatile CompletableFuture<Object> seen = decided;
        private volatile boolean stopped;
        // Guarded by this.
        private int attempts;
        private boolean inFlight;
        /** The lease whose token the attempt in flight keeps (a renewal of a valid lease of the same value), or null. */
        private @Nullable HeldLock keptLease;
        /** This waiter's score in the nodes' queues once they placed it, else -1. */
        private long sinceMillis = -1;
        private final long[] places;
        /** What the latest attempt's reply was on each node (null: none yet), and who was right ahead in that node's queue. */
        private final @Nullable NodeReply[] replies;
        private final @Nullable String[] seenAhead;
        /** Release notices heard while an attempt was in flight or about to arm its retry: judged once its replies are in. */
        private final List<Heard> heard = new ArrayList<>();
        private boolean retryArmed;
        private @Nullable Runnable timer;
        /** When the latest attempt started. */
        private long latestStartNanos;
        /** The nodes that handed the key over to this waiter since its latest attempt was decided (see {@link #vote}). */
        private final boolean[] handed;

        private Acquisition(String resource, String value, BooleanSupplier valueHeldHere, long ttlMillis,
                NodeCommand command, long waitNanos, boolean retryWhenHeld, @Nullable Fencing fencing,
                boolean randomValue) {
            this.resource = resource;
            this.key = LockEngine.this.key(resource);
            this.value = value;
            this.valueHeldHere = valueHeldHere;
            this.ttlMillis = ttlMillis;
            this.command = command;
            this.startNanos = ticker.nanoTime();
            this.waitUntilNanos = startNanos + waitNanos;
            this.retryWhenHeld = retryWhenHeld;
            this.fencing = fencing;
            this.queued = retryWhenHeld && waitNanos > 0 && fencing == null; // a fenced call mints: no queue
            this.handOver = queued && randomValue;
            this.digest = handOver ? Waiting.released(value) : null;
            this.handed = new boolean[nodes.size()];
            this.places = new long[nodes.size()];
            Arrays.fill(places, -1);
            this.replies = new NodeReply[nodes.size()];
            this.seenAhead = new String[nodes.size()];
        }

        @Override
        public void lead() {
            Runnable cancel;
            synchronized (this) {
                cancel = timer;
                timer = null;
            }
            if (cancel != null) {
                cancel.run(); // its wait in the line: it attempts now, and its own attempts watch the deadline
            }
            if (!decided.isDone()) {
                attempt(this);
            }
        }

        @Override
        public void notice(int node, Waiting.@Nullable Notice released) {
            Runnable cancel;
            boolean granted;
            synchronized (this) {
                if (inFlight || !retryArmed) {
                    // An attempt in flight, or about to arm its retry: judged once its replies are in.
                    if (heard.size() < MAX_HEARD) {
                        heard.add(new Heard(node, released));
                    } else {
                        heard.set(MAX_HEARD - 1, new Heard(-1, null)); // too many to keep: retry at once after it
                    }
                    return;
                }
                granted = vote(node, released);
                if (!granted && !wakes(node, released)) {
                    return;
                }
                retryArmed = false;
                cancel = timer;
                timer = null;
            }
            if (cancel != null) {
                cancel.run();
            }
            if (granted) {
                grantHandedOver();
            } else {
                attempt(this);
            }
        }

        /**
         * Counts a hand-over to this waiter (by a release, see {@link Node#releaseAndNotify}): {@code released} says that
         * {@code node} set the key to this waiter's value, taking the entry its latest attempt left
         * there, and that attempt was refused there. Then the key was set after the node refused that
         * attempt, so after the attempt started, with this waiter's TTL: it holds at least until the
         * latest attempt's start plus the TTL, as a key that attempt had set would. Any other
         * hand-over says nothing of now: one that took an entry an earlier attempt left was followed
         * by a later attempt, which found the key (and renewed it) or whose failure released it; and
         * where the latest attempt did not answer REFUSED, its cleanup may release what was handed
         * over. A stopped call counts none (it fails instead). Answers whether a quorum of nodes
         * handed the key over to this waiter now. Called between attempts.
         */
        private synchronized boolean vote(int node, Waiting.@Nullable Notice released) {
            if (!handOver || stopped || released == null || released.handedTo() == null || node < 0 || node >= handed.length
                    || released.attempt() != attempts || !released.handedTo().equals(digest)) {
                return false;
            }
            NodeReply reply = replies[node];
            if (reply == null || reply.status() != NodeReply.Status.REFUSED || handed[node]) {
                return false;
            }
            handed[node] = true;
            int count = 0;
            for (boolean one : handed) {
                count += one ? 1 : 0;
            }
            return count >= quorum;
        }

        /**
         * Grants on the hand-overs a quorum of nodes made ({@link #vote}), without an attempt: valid
         * from the latest attempt's start, as if it had been granted; the other nodes count as they
         * answered that attempt, but for an OK there, which that failed attempt's cleanup released
         * (the lease's fill-in tries every node that did not count). When that validity
         * has run out, attempts instead (it finds the keys handed over and renews them).
         */
        private void grantHandedOver() {
            NodeReply[] answers = new NodeReply[handed.length];
            long start;
            synchronized (this) {
                start = latestStartNanos;
                for (int i = 0; i < handed.length; i++) {
                    NodeReply reply = replies[i];
                    // An OK there: that attempt failed, and its cleanup deleted what it set (not an error of the node).
                    answers[i] = handed[i] ? NodeReply.OK : reply == null || reply.isOk() ? NodeReply.REFUSED : reply;
                }
            }
            Ballot ballot = new Ballot(addresses, ticker);
            for (int i = 0; i < answers.length; i++) {
                ballot.record(i, answers[i]);
            }
            long validUntil = Validity.deadline(start, ttlMillis * 1_000_000L, options.driftFactor());
            if (ballot.quorumOk() && validUntil - ballot.decidedAtNanos() > 0) {
                decided.complete(new Grant(ballot, ballot.decidedAtNanos(), validUntil, attempts(), 0, ballot.notOk()));
            } else {
                attempt(this);
            }
        }

        /**
         * A retry after {@code delayNanos}, or at once on a release notice, whichever comes first;
         * with {@code giveUp}, the delay reaches the deadline, and it runs instead of a retry.
         */
        private void retryAfter(long delayNanos, @Nullable Runnable giveUp) {
            boolean now = false;
            boolean granted = false;
            synchronized (this) {
                for (Heard one : heard) {
                    if (vote(one.node(), one.released())) {
                        granted = true;
                    } else {
                        now |= wakes(one.node(), one.released());
                    }
                }
                heard.clear();
                retryArmed = !now && !granted;
            }
            if (granted) {
                grantHandedOver();
                return;
            }
            if (now) {
                attempt(this);
                return;
            }
            Runnable cancel = waiters.arm(() -> {
                synchronized (this) {
                    if (!retryArmed) {
                        return;
                    }
                    retryArmed = false;
                    timer = null;
                }
                if (giveUp != null) {
                    giveUp.run();
                } else {
                    attempt(this);
                }
            }, delayNanos);
            synchronized (this) {
                if (retryArmed) {
                    timer = cancel;
                    return;
                }
            }
            cancel.run(); // it ran, or a notice took it, before the handle was kept
        }

        /** While it waits behind another call of this engine: its wait ends at its deadline. */
        private void waitInLine() {
            Runnable cancel;
            try {
                cancel = waiters.arm(this::expireInLine, Math.max(0, waitUntilNanos - ticker.nanoTime()));
            } catch (RejectedExecutionException e) { // closing: it may lead already, with an attempt in flight
                stop();
                return;
            }
            synchronized (this) {
                if (timer == null && !decided.isDone() && !waiters.leads(this)) {
                    timer = cancel;
                    return;
                }
            }
            cancel.run();
        }

        private void expireInLine() {
            synchronized (this) {
                if (inFlight || attempts > 0 || waiters.leads(this)) {
                    return; // it leads now: its attempts end it
                }
                timer = null;
                stopped = true; // no attempt starts now, should it lead in a moment
            }
            fail(LockFailure.CONTENDED, List.of());
        }

        /**
         * Whether a release notice from {@code node} may give this waiter the lock, judged by what its
         * latest attempt (whose replies are all in) saw there. A node that refused it for a waiter
         * right ahead in its queue has its next chance when that waiter releases (or gives up); one
         * that refused it for the holder alone, when that holder releases. Any other notice there is
         * a copy of a release the attempt reached the node after (it saw what followed), or of
         * releases that go to the waiters ahead. A notice without a message, from an unknown node,
         * or from a node that did not refuse (no reply, an error, set by this waiter) always wakes.
         * A hand-over to another waiter never does (the node holds the key for it), nor one to this
         * waiter that {@link #vote} counted. Polling goes on whatever is skipped here.
         */
        private synchronized boolean wakes(int node, Waiting.@Nullable Notice notice) {
            if (notice == null || node < 0 || node >= replies.length) {
                return true;
            }
            if (notice.handedTo() != null) {
                // Handed over to another waiter: its release comes next. To this one but not counted
                // (see vote): an attempt finds the key its own there.
                return handOver && notice.handedTo().equals(digest) && !handed[node];
            }
            String released = notice.released();
            NodeReply reply = replies[node];
            if (reply == null || reply.status() != NodeReply.Status.REFUSED) {
                return true;
            }
            String ahead = seenAhead[node];
            String next = ahead != null ? ahead : reply.holder();
            return next == null || released.equals(Waiting.released(next));
        }

        /** An attempt starts: what earlier ones saw no longer counts. */
        private synchronized void forget() {
            Arrays.fill(replies, null);
            Arrays.fill(seenAhead, null);
            Arrays.fill(handed, false);
        }

        private synchronized void saw(int attempt, int node, NodeReply reply) {
            if (attempt == attempts) {
                replies[node] = reply;
            }
        }

        private synchronized void place(int attempt, int node, long since, @Nullable String ahead) {
            places[node] = since;
            if (attempt == attempts) {
                seenAhead[node] = ahead;
            }
        }

        /** After the first refused attempt: one score for every node, the median of theirs. */
        private synchronized long since() {
            if (sinceMillis < 0) {
                long[] placed = Arrays.stream(places).filter(p -> p >= 0).sorted().toArray();
                if (placed.length > 0) {
                    sinceMillis = placed[placed.length / 2];
                }
            }
            return sinceMillis;
        }

        /**
         * Ends what waiting left: a timer, the line (whatever else fails, so that the next in line
         * leads), and this waiter's entries in the nodes' queues.
         */
        private void ended(Object outcome) {
            try {
                Runnable cancel;
                synchronized (this) {
                    cancel = timer;
                    timer = null;
                    retryArmed = false;
                }
                if (cancel != null) {
                    cancel.run();
                }
            } finally {
                try {
                    // A grant's caller goes first: the next in line's attempt (refused while this call
                    // holds the lock) is not sent on its way. Its queue entries are: a release that
                    // follows on the same connections then finds them gone.
                    waiters.leave(this, outcome instanceof Grant);
                } finally {
                    leaveQueues(outcome);
                }
            }
        }

        /**
         * Leaves the nodes' waiter queues. A granted call leaves only those of the nodes that had said
         * OK when it was decided, at once: the others keep its place (ahead of every waiter behind it)
         * until its lease ends, when the lease leaves them before its release (see
         * {@link Grant#placesKept()}), so that a waiter woken by a release there cannot take them
         * before the lease's fill-in does while the nodes it was granted on may lose their keys
         * (issue 25).
         */
        private void leaveQueues(Object outcome) {
            boolean first;
            boolean[] handedOver;
            synchronized (this) {
                if (attempts == 0) {
                    return;
                }
                first = attempts == 1;
                handedOver = handed.clone();
            }
            List<Integer> left = new ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                if (!(outcome instanceof Grant grant)) {
                    left.add(i);
                } else if (!first && !grant.placesKept().contains(i) && !handedOver[i]) {
                    // A node that handed the key over removed the entry it took in the same script.
                    // A first attempt has no place yet: it entered no queue where it set the key. Any later
                    // one may have (an earlier attempt may have entered and then erred, e.g. refused by an ACL).
                    left.add(i);
                }
            }
            boolean gaveUp = !(outcome instanceof Grant);
            LockEngine.this.leaveQueues(key, value, left, gaveUp, gaveUp && handOver);
        }

        String resource() {
            return resource;
        }

        @Override
        public String key() {
            return key;
        }

        String value() {
            return value;
        }

        synchronized int attempts() {
            return attempts;
        }

        /** Completes with a {@link Grant} or a failed {@link LockResult}; never exceptionally. */
        CompletableFuture<Object> decided() {
            return seen;
        }

        /**
         * No attempt starts after this: between attempts it fails at once as
         * {@link LockFailure#INTERRUPTED}; an attempt in flight still decides (a grant is then the
         * caller's to end), and its failure ends the call.
         */
        void stop() {
            boolean idle;
            synchronized (this) {
                stopped = true;
                idle = !inFlight;
            }
            if (idle) {
                fail(LockFailure.INTERRUPTED, List.of());
            }
        }

        private synchronized boolean inFlightNow() {
            return inFlight;
        }

        /** Between attempts: a retry is scheduled, so a stop may end the call at once. */
        private synchronized void between() {
            inFlight = false;
        }

        private void fail(LockFailure failure, List<NodeOutcome> outcomes) {
            decided.complete(LockResult.failed(resource, failure, outcomes, attempts()));
        }
    }

    /**
     * Starts acquiring: at least {@code retryCount + 1} attempts, more while they fit before
     * {@code waitNanos} has passed. Without {@code retryWhenHeld}, an attempt refused by one holder
     * with a majority ends it at once, and {@code command} is replaced by one that reports the
     * holders' values (plain {@code SET NX} does not), needed to tell a holder from a split vote. A
     * waiting call with a {@code randomValue} (generated for this call, held by nobody else) takes
     * hand-overs (see {@link Node#acquireQueued}).
     */
    Acquisition acquire(String resource, String value, boolean randomValue, BooleanSupplier valueHeldHere,
            long ttlMillis, NodeCommand command, long waitNanos, boolean retryWhenHeld) {
        NodeCommand sent = retryWhenHeld ? command : Node::acquireOrReportHolder;
        Acquisition acquisition = new Acquisition(resource, value, valueHeldHere, ttlMillis, sent, waitNanos,
                retryWhenHeld, null, randomValue);
        if (!acquisition.queued) {
            attempt(acquisition);
            return acquisition;
        }
        // Ended before the caller hears of it, so that close() finds the queue entries being removed.
        acquisition.seen = acquisition.decided.whenComplete((outcome, error) -> {
            try {
                acquisition.ended(outcome);
            } catch (RuntimeException e) { // the caller must hear of the outcome whatever happens here
                LOG.log(System.Logger.Level.WARNING, "Could not end a waiting lock call cleanly", e);
            }
        });
        waiters.enter(acquisition);
        if (!acquisition.decided.isDone() && acquisition.attempts() == 0) {
            acquisition.waitInLine();
        }
        return acquisition;
    }

    /**
     * As {@link #acquire}, for a fenced call: each attempt mints (the fenced script reports holders
     * whatever {@code retryWhenHeld} says) and is granted only once its token was written back and
     * confirmed (see the class description), or renews a valid lease's grant and keeps its token.
     */
    Acquisition acquireFenced(String resource, String value, BooleanSupplier valueHeldHere, long ttlMillis, Fencing fencing,
            long waitNanos, boolean retryWhenHeld) {
        FencingCounter counter = counter(ttlMillis);
        NodeCommand mint = (node, key, v, ttl) -> node.acquireFenced(key, v, ttl, counter, fencing.extend());
        Acquisition acquisition = new Acquisition(resource, value, valueHeldHere, ttlMillis, mint, waitNanos,
                retryWhenHeld, fencing, false);
        attempt(acquisition);
        return acquisition;
    }

    private void attempt(Acquisition a) {
        int number;
        long start;
        synchronized (a) {
            if (a.stopped) {
                a.inFlight = false;
            } else {
                a.attempts++;
                a.inFlight = true;
                a.latestStartNanos = ticker.nanoTime();
                if (a.queued) {
                    a.forget();
                }
            }
            number = a.attempts;
            start = a.latestStartNanos;
        }
        if (!a.inFlightNow()) {
            a.fail(LockFailure.INTERRUPTED, List.of());
            return;
        }
        Ballot ballot = new Ballot(addresses, ticker);
        NodeCommand command = a.command;
        if (a.fencing != null) {
            // Decided by this client's own validity, never by the value found on the nodes.
            HeldLock lease = a.fencing.kept();
            long kept = lease != null && lease.isHeld() ? lease.token() : 0;
            synchronized (a) {
                a.keptLease = kept > 0 ? lease : null;
            }
            if (kept > 0) {
                FencingCounter counter = counter(a.ttlMillis);
                command = (node, key, value, ttl) -> node.renewFenced(key, value, ttl, kept, counter);
            }
        }
        long since = a.queued ? a.since() : -1;
        long waitedMillis = (start - a.startNanos) / 1_000_000L;
        long freshMillis = a.queued ? entryFreshMillis(freshForMillis, (a.waitUntilNanos - start) / 1_000_000L, options) : 0;
        for (int i = 0; i < nodes.size(); i++) {
            int index = i;
            CompletableFuture<NodeReply> reply;
            if (a.queued) {
                reply = nodes.get(i).acquireQueued(a.key, a.value, a.ttlMillis, since, waitedMillis, freshMillis,
                        a.handOver ? number : 0, (place, ahead) -> a.place(number, index, place, ahead));
                reply = reply.thenApply(done -> {
                    a.saw(number, index, done); // before the ballot hears of it: a failed attempt's replies are all in
                    return done;
                });
            } else {
                reply = command.send(nodes.get(i), a.key, a.value, a.ttlMillis);
            }
            reply.thenAccept(done -> ballot.record(index, done));
        }
        ballot.decided().thenAccept(decided -> onDecided(a, decided, start));
    }

    private void onDecided(Acquisition a, Ballot ballot, long start) {
        long validUntil = Validity.deadline(start, a.ttlMillis * 1_000_000L, options.driftFactor());
        if (ballot.quorumOk() && validUntil - ballot.decidedAtNanos() > 0) {
            if (a.fencing == null) {
                a.decided.complete(new Grant(ballot, ballot.decidedAtNanos(), validUntil, a.attempts(), 0,
                        a.queued ? ballot.notOk() : List.of()));
            } else {
                fence(a, ballot, validUntil);
            }
            return;
        }
        failed(a, ballot, ballot);
    }

    /**
     * Failed: waits for every node (bounded by the timeout), then releases what this attempt may have
     * set (see releaseWhereSet), then retries or ends the call; {@code report} says why.
     */
    private void failed(Acquisition a, Ballot ballot, Ballot report) {
        CompletableFuture<Ballot> all = report == ballot ? ballot.complete()
                : ballot.complete().thenCombine(report.complete(), (granted, confirmed) -> granted);
        all.thenCompose(answered -> releaseWhereSet(a, answered))
                .whenComplete((released, error) -> afterFailedAttempt(a, ballot, report));
    }

    /**
     * Phase 2 of a fenced attempt whose mint a quorum granted: writes {@code T}, the largest token
     * the granting nodes minted, back to every node, and grants with {@code T} once a quorum of them
     * confirm that they still hold the key, within the validity. An attempt that renews a valid
     * lease's grant keeps that lease's token (it was confirmed when it was handed out), but only if
     * that lease was still held and valid when the renewal's quorum answered: once it ran out,
     * another client may have been granted a larger token since, and the renewal re-created the keys
     * after it. Then the attempt failed (it releases only keys it created), and the retry mints.
     */
    private void fence(Acquisition a, Ballot ballot, long validUntil) {
        HeldLock keptLease;
        synchronized (a) {
            keptLease = a.keptLease;
        }
        if (keptLease != null) {
            if (keptLease.heldAt(ballot.decidedAtNanos())) {
                a.decided.complete(new Grant(ballot, ballot.decidedAtNanos(), validUntil, a.attempts(), keptLease.token()));
            } else {
                failed(a, ballot, ballot);
            }
            return;
        }
        long token = ballot.maxToken();
        if (token <= 0) { // cannot happen: every OK of the mint carries a token
            failed(a, ballot, ballot);
            return;
        }
        if (skipWriteBack) { // negative control only: the token is handed out unconfirmed
            a.decided.complete(new Grant(ballot, ballot.decidedAtNanos(), validUntil, a.attempts(), token));
            return;
        }
        FencingCounter counter = counter(a.ttlMillis);
        Ballot confirmations = new Ballot(addresses, ticker);
        for (int i = 0; i < nodes.size(); i++) {
            int index = i;
            nodes.get(i).writeBack(a.key, a.value, token, counter)
                    .thenAccept(reply -> confirmations.record(index, unconfirmed(reply)));
        }
        confirmations.decided().thenAccept(decided -> {
            if (decided.quorumOk() && validUntil - decided.decidedAtNanos() > 0) {
                a.decided.complete(new Grant(ballot, decided.decidedAtNanos(), validUntil, a.attempts(), token));
            } else {
                failed(a, ballot, decided);
            }
        });
    }

    /**
     * A write-back reply as an outcome: a node that did not confirm says so. A node that no longer
     * holds the key lost it (expiry, eviction, restart) between the phases, it is not held
     * elsewhere: it counts as an error, so the attempt fails as UNAVAILABLE, never CONTENDED.
     */
    private static NodeReply unconfirmed(NodeReply reply) {
        if (reply.isOk()) {
            return reply;
        }
        if (reply.status() == NodeReply.Status.REFUSED) {
            return NodeReply.error("fencing write-back not confirmed: the node no longer holds the lock's key");
        }
        return reply.withDetail("fencing write-back not confirmed: " + reply.detail());
    }

    private void afterFailedAttempt(Acquisition a, Ballot ballot, Ballot report) {
        if (a.stopped) {
            a.fail(LockFailure.INTERRUPTED, report.outcomes());
            return;
        }
        Ballot.Standing standing = a.retryWhenHeld ? Ballot.Standing.UNKNOWN : ballot.standing(a.value);
        if (standing == Ballot.Standing.HELD) {
            a.fail(LockFailure.CONTENDED, report.outcomes());
            return;
        }
        long delay = options.retryDelay().toNanos() + jitter.nextNanos(options.retryJitter().toNanos());
        if (standing == Ballot.Standing.SPLIT_TRAILING) {
            // Let the client holding the most nodes retry first: by the time this one does, it has
            // usually won, and this attempt then ends as held instead of splitting the vote again.
            delay += options.retryDelay().toNanos() + options.retryJitter().toNanos();
        }
        boolean retriesLeft = a.attempts() <= options.retryCount();
        boolean waitLeft = a.waitUntilNanos - (ticker.nanoTime() + delay) > 0;
        Runnable giveUp = null;
        if (a.queued && !retriesLeft && !waitLeft) {
            // A notice may still come before the deadline: wait for one until then, and give up then.
            long left = a.waitUntilNanos - ticker.nanoTime();
            if (left > 0) {
                delay = left;
                waitLeft = true;
                giveUp = () -> a.fail(ballot.failure(), ballot.outcomes());
            }
        }
        if (!retriesLeft && !waitLeft) {
            a.fail(report.failure(), report.outcomes());
            return;
        }
        a.between();
        if (a.stopped) {
            a.fail(LockFailure.INTERRUPTED, report.outcomes()); // stopped while this attempt was in flight
            return;
        }
        if (a.queued) {
            waiters.listen(a);
            try {
                a.retryAfter(delay, giveUp);
            } catch (RejectedExecutionException e) { // the timer is shutting down: the Redlock was closed
                a.fail(LockFailure.INTERRUPTED, ballot.outcomes());
            }
            return;
        }
        try {
            scheduler.schedule(() -> attempt(a), delay);
        } catch (RejectedExecutionException e) { // the timer is shutting down: the Redlock was closed
            a.fail(LockFailure.INTERRUPTED, report.outcomes());
        }
    }

    /**
     * Releases what a failed attempt may have set: on every node where the key may hold this
     * attempt's value (the script deletes it only there), also where a node erred or timed out, since
     * a SET may have landed with its reply lost. When a lease of this process holds the same value
     * ({@code valueHeldHere}, a known value locked twice), only where this attempt created the key:
     * never where a node refused it, found it holding the value already (extend or create), or did not
     * answer (a lost reply cannot tell a new key from that lease's; such a key expires with its TTL).
     */
    private CompletableFuture<List<NodeReply>> releaseWhereSet(Acquisition a, Ballot ballot) {
        boolean guard = a.valueHeldHere.getAsBoolean();
        List<CompletableFuture<NodeReply>> replies = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            boolean release = guard ? ballot.created(i) : ballot.mayHaveSet(i);
            replies.add(release ? nodes.get(i).release(a.key, a.value) : CompletableFuture.completedFuture(NodeReply.REFUSED));
        }
        return allOf(replies);
    }

    /**
     * Releases on every node where the key holds {@code value}, telling waiters (see
     * {@link Node#releaseAndNotify}); completes with each node's reply.
     */
    CompletableFuture<List<NodeReply>> release(String key, String value) {
        List<CompletableFuture<NodeReply>> replies = new ArrayList<>(nodes.size());
        for (Node node : nodes) {
            replies.add(node.releaseAndNotify(key, value));
        }
        return allOf(replies);
    }

    /**
     * Sets the key's TTL to {@code ttlMillis} on every node where it holds {@code value}; with
     * {@code recreate}, also creates it on nodes that lost it (restart, failover, eviction), never over
     * another value, sent as EVAL so that it cannot run late through a NOSCRIPT fallback. The ballot
     * decides on the first quorum of OKs, or when every node answered.
     */
    Ballot setTtl(String key, String value, long ttlMillis, boolean recreate) {
        return setTtl(key, value, ttlMillis, recreate, 0);
    }

    /**
     * As {@link #setTtl(String, String, long, boolean)}; a renewal ({@code recreate}) of a fenced
     * lease ({@code token} positive) also raises each node's fencing counter to the token. A
     * shortening ({@code recreate} false, part of a release) never touches the counter.
     */
    Ballot setTtl(String key, String value, long ttlMillis, boolean recreate, long token) {
        Ballot ballot = new Ballot(addresses, ticker);
        FencingCounter counter = recreate && token > 0 ? counter(ttlMillis) : null;
        for (int i = 0; i < nodes.size(); i++) {
            int index = i;
            Node node = nodes.get(i);
            (counter != null ? node.renewFenced(key, value, ttlMillis, token, counter)
                    : recreate ? node.acquireOrExtend(key, value, ttlMillis) : node.extend(key, value, ttlMillis))
                    .thenAccept(reply -> ballot.record(index, reply));
        }
        return ballot;
    }

    /**
     * Sets the key where it is absent (fill-in); each reply says OK, or REFUSED with the holder. For a
     * fenced lease ({@code token} positive), also raises the node's fencing counter to the token.
     * With {@code reserving} (an unfenced fill-in try, not a check), where another value holds the
     * key, also reserves the lease's place in the key's waiter queue (see {@link Node#fillIn}).
     */
    CompletableFuture<NodeReply> fillIn(int node, String key, String value, long ttlMillis, long token, boolean reserving) {
        if (token > 0) {
            return nodes.get(node).fillInFenced(key, value, ttlMillis, token, counter(ttlMillis));
        }
        return reserving ? nodes.get(node).fillIn(key, value, ttlMillis) : nodes.get(node).acquireOrReportHolder(key, value, ttlMillis);
    }

    /** Counts a round of fill-in tries. */
    void countFillIns(int created, int contended, int failed) {
        fillInsCreated.add(created);
        fillInsContended.add(contended);
        fillInsFailed.add(failed);
    }

    /** Keys set on nodes after a grant: created (or found holding the lease's value), contended, failed. */
    FillInCounts fillInCounts() {
        return new FillInCounts(fillInsCreated.sum(), fillInsContended.sum(), fillInsFailed.sum());
    }

    static int confirmed(List<NodeReply> replies) {
        int confirmed = 0;
        for (NodeReply reply : replies) {
            confirmed += reply.isOk() ? 1 : 0;
        }
        return confirmed;
    }

    /** Runs {@code task} after {@code delayNanos} on the engine's scheduler; false when the scheduler refused it (closing). */
    boolean schedule(Runnable task, long delayNanos) {
        try {
            scheduler.schedule(task, delayNanos);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /**
     * As {@link #schedule}, and returns what cancels the task if it has not run yet (drops it from
     * the scheduler's queue where the scheduler can); null when the scheduler refused it (closing).
     */
    @Nullable Runnable scheduleCancellable(Runnable task, long delayNanos) {
        try {
            return scheduler.scheduleCancellable(task, delayNanos);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    /**
     * Removes {@code value}'s entries from the waiter queues of {@code key} on the nodes {@code indexes},
     * telling the waiters behind when the call {@code gaveUp} (see {@link Node#leaveQueue});
     * {@link #leftQueues()} waits for it.
     */
    void leaveQueues(String key, String value, Collection<Integer> indexes, boolean gaveUp) {
        leaveQueues(key, value, indexes, gaveUp, false);
    }

    /**
     * As {@link #leaveQueues(String, String, Collection, boolean)}; with {@code giveBack} (a call that
     * took hand-overs ends without the lock), also deletes the key where a release handed it over to
     * {@code value} meanwhile.
     */
    void leaveQueues(String key, String value, Collection<Integer> indexes, boolean gaveUp, boolean giveBack) {
        if (indexes.isEmpty()) {
            return;
        }
        List<CompletableFuture<NodeReply>> left = new ArrayList<>(indexes.size());
        for (int index : indexes) {
            left.add(nodes.get(index).leaveQueue(key, value, gaveUp, giveBack));
        }
        CompletableFuture<List<NodeReply>> all = allOf(left);
        leaving.add(all);
        all.whenComplete((done, error) -> leaving.remove(all));
    }

    /** Completes once the waiter-queue entries of the calls that ended have been removed from the nodes (or failed to be). */
    CompletableFuture<Void> leftQueues() {
        return CompletableFuture.allOf(leaving.toArray(CompletableFuture<?>[]::new));
    }

    /** Stops hearing of releases. */
    void close() {
        waiters.close();
    }

    private static CompletableFuture<List<NodeReply>> allOf(List<CompletableFuture<NodeReply>> replies) {
        return CompletableFuture.allOf(replies.toArray(CompletableFuture<?>[]::new))
                .thenApply(done -> replies.stream().map(CompletableFuture::join).toList());
    }
}
