package io.github.redlock;

import io.github.redlock.internal.Jitter;
import io.github.redlock.internal.Node;
import io.github.redlock.internal.NodeReply;
import io.github.redlock.internal.Quorum;
import io.github.redlock.internal.Scheduler;
import io.github.redlock.internal.Ticker;
import io.github.redlock.internal.Validity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The Redlock algorithm, in one place: ask every node in parallel, grant on a quorum within the
 * validity, otherwise release on every node and retry after a random delay.
 */
final class LockEngine {

    /** Creates the lease for a granted attempt. */
    interface LeaseFactory {
        /** @param acquiredAtNanos when the lock was first granted (a renewal keeps it) */
        Lease create(String resource, String value, long acquiredAtNanos, long grantedAtNanos, long validUntilNanos);
    }

    /** One node command of an attempt. */
    interface NodeCommand {
        CompletableFuture<NodeReply> send(Node node, String key, String value, long ttlMillis);
    }

    /** The size of the held-lease map at which leases that ran out unreleased are first swept. */
    private static final int MIN_SWEEP = 1024;

    private final List<Node> nodes;
    private final List<String> addresses;
    private final int quorum;
    private final String keyPrefix;
    private final RedlockOptions options;
    private final Ticker ticker;
    private final Scheduler scheduler;
    private final Jitter jitter;
    private final LeaseFactory leases;
    private final Listeners listeners;
    private final boolean fillIn;
    private final Map<HeldKey, FillIn> fillIns = new ConcurrentHashMap<>();
    private volatile int sweepAt = MIN_SWEEP;
    private final LongAdder fillInsCreated = new LongAdder();
    private final LongAdder fillInsFailed = new LongAdder();

    /** A lease's identity on the nodes. */
    private record HeldKey(String key, String value) {
    }

    LockEngine(List<Node> nodes, RedlockOptions options, Ticker ticker, Scheduler scheduler, Jitter jitter,
            LeaseFactory leases, Listeners listeners) {
        this(nodes, options, ticker, scheduler, jitter, leases, listeners, true);
    }

    /** @param fillIn false only in tests that show what fill-in prevents */
    LockEngine(List<Node> nodes, RedlockOptions options, Ticker ticker, Scheduler scheduler, Jitter jitter,
            LeaseFactory leases, Listeners listeners, boolean fillIn) {
        this.fillIn = fillIn;
        this.listeners = listeners;
        this.nodes = List.copyOf(nodes);
        this.addresses = nodes.stream().map(Node::address).toList();
        this.quorum = Quorum.of(nodes.size());
        this.keyPrefix = options.keyPrefix();
        this.options = options;
        this.ticker = ticker;
        this.scheduler = scheduler;
        this.jitter = jitter;
        this.leases = leases;
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

    /** A lock call in progress: its retries share one value, and it can be cancelled. */
    final class Acquisition {
        private final String resource;
        private final String key;
        private final String value;
        private final long ttlMillis;
        private final NodeCommand command;
        private final long waitUntilNanos;
        private final boolean retryWhenHeld;
        private final CompletableFuture<LockResult> result = new CompletableFuture<>();
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private final Consumer<LockResult> report;
        private int attempts;

        private Acquisition(String resource, String value, long ttlMillis, NodeCommand command, long waitNanos,
                boolean retryWhenHeld, Consumer<LockResult> report) {
            this.resource = resource;
            this.key = keyPrefix + resource;
            this.value = value;
            this.ttlMillis = ttlMillis;
            this.command = command;
            this.waitUntilNanos = ticker.nanoTime() + waitNanos;
            this.retryWhenHeld = retryWhenHeld;
            this.report = report;
            // A result is reported before the caller sees it (complete()); this reports a caller's
            // cancellation. The report passes on the first result only.
            result.whenComplete((done, error) -> {
                if (error != null) {
                    report.accept(interruptedResult());
                }
            });
        }

        CompletableFuture<LockResult> result() {
            return result;
        }

        String resource() {
            return resource;
        }

        synchronized int attempts() {
            return attempts;
        }

        /**
         * Reports {@code outcome}, then hands it to the caller: listeners have seen a result by the
         * time the caller's code runs. False when the caller had cancelled.
         */
        boolean complete(LockResult outcome) {
            if (!result.isDone()) {
                report.accept(outcome);
            }
            return result.complete(outcome);
        }

        /** The caller stopped waiting: reports and returns an interrupted result (nothing is held). */
        LockResult interrupted() {
            LockResult interrupted = interruptedResult();
            report.accept(interrupted);
            return interrupted;
        }

        private LockResult interruptedResult() {
            return LockResult.failed(resource, LockFailure.INTERRUPTED, List.of(), attempts());
        }

        /** Stops retrying; a lease granted all the same is handed to {@code release} at once. */
        void cancel(Consumer<Lease> release) {
            cancelled.set(true);
            result.thenAccept(r -> r.lease().ifPresent(release));
        }
    }

    /**
     * Starts acquiring: at least {@code retryCount + 1} attempts, more while they fit before
     * {@code waitNanos} has passed. Without {@code retryWhenHeld}, an attempt refused by one holder
     * with a majority ends it at once, and {@code command} is replaced by one that reports the
     * holders' values (plain {@code SET NX} does not), needed to tell a holder from a split vote.
     */
    Acquisition acquire(String resource, String value, long ttlMillis, NodeCommand command, long waitNanos,
            boolean retryWhenHeld, Consumer<LockResult> report) {
        NodeCommand sent = retryWhenHeld ? command : Node::acquireOrReportHolder;
        Acquisition acquisition = new Acquisition(resource, value, ttlMillis, sent, waitNanos, retryWhenHeld, report);
        attempt(acquisition);
        return acquisition;
    }

    private void attempt(Acquisition a) {
        if (a.result.isDone()) {
            return; // cancelled by the caller before this retry
        }
        synchronized (a) {
            a.attempts++;
        }
        long start = ticker.nanoTime();
        Ballot ballot = new Ballot(addresses, ticker);
        for (int i = 0; i < nodes.size(); i++) {
            int index = i;
            a.command.send(nodes.get(i), a.key, a.value, a.ttlMillis).thenAccept(reply -> ballot.record(index, reply));
        }
        ballot.decided().thenAccept(decided -> onDecided(a, decided, start));
    }

    private void onDecided(Acquisition a, Ballot ballot, long start) {
        long ttlNanos = a.ttlMillis * 1_000_000L;
        long validUntil = Validity.deadline(start, ttlNanos, options.driftFactor());
        if (ballot.quorumOk() && validUntil - ballot.decidedAtNanos() > 0 && !a.cancelled.get()) {
            Lease lease = leases.create(a.resource, a.value, ballot.decidedAtNanos(), ballot.decidedAtNanos(), validUntil);
            lease.standsOn(ballot.okCount());
            // Registered before the caller sees the lease, so that its release always stops the fill-in.
            FillIn filling = fillIn ? register(a.key, lease) : null;
            if (!a.complete(LockResult.acquired(lease, ballot.outcomes(), a.attempts))) {
                // The caller cancelled the attempt's future: nobody will release this lease but us.
                ballot.complete().thenCompose(all -> releaseAll(a.key, a.value));
                return;
            }
            ballot.complete().thenAccept(all -> {
                lease.standsOn(all.okCount());
                if (filling != null) {
                    filling.start(missing(all));
                }
            });
            return;
        }
        // Failed: wait for every node (bounded by the timeout), then release on all of them, also
        // those that erred or timed out, since their SET may have landed with the reply lost.
        ballot.complete()
                .thenCompose(all -> releaseAll(a.key, a.value))
                .whenComplete((released, error) -> afterFailedAttempt(a, ballot));
    }

    private void afterFailedAttempt(Acquisition a, Ballot ballot) {
        if (a.result.isDone()) {
            return; // cancelled by the caller: no more attempts
        }
        if (a.cancelled.get()) {
            a.complete(LockResult.failed(a.resource, LockFailure.INTERRUPTED, ballot.outcomes(), a.attempts));
            return;
        }
        Ballot.Standing standing = a.retryWhenHeld ? Ballot.Standing.UNKNOWN : ballot.standing(a.value);
        if (standing == Ballot.Standing.HELD) {
            a.complete(LockResult.failed(a.resource, LockFailure.CONTENDED, ballot.outcomes(), a.attempts));
            return;
        }
        long delay = options.retryDelay().toNanos() + jitter.nextNanos(options.retryJitter().toNanos());
        if (standing == Ballot.Standing.SPLIT_TRAILING) {
            // Let the client holding the most nodes retry first: by the time this one does, it has
            // usually won, and this attempt then ends as held instead of splitting the vote again.
            delay += options.retryDelay().toNanos() + options.retryJitter().toNanos();
        }
        boolean retriesLeft = a.attempts <= options.retryCount();
        boolean waitLeft = a.waitUntilNanos - (ticker.nanoTime() + delay) > 0;
        if (retriesLeft || waitLeft) {
            scheduler.schedule(() -> attempt(a), delay);
        } else {
            a.complete(LockResult.failed(a.resource, ballot.failure(), ballot.outcomes(), a.attempts));
        }
    }

    private FillIn register(String key, Lease lease) {
        if (fillIns.size() >= sweepAt) {
            // Leases that ran out without a release: forgotten here, in amortised constant time.
            fillIns.values().removeIf(held -> {
                if (held.expired()) {
                    held.stop();
                    return true;
                }
                return false;
            });
            sweepAt = Math.max(MIN_SWEEP, 2 * fillIns.size());
        }
        FillIn filling = new FillIn(this, nodes, key, lease, ticker, options.retryDelay().toNanos());
        FillIn previous = fillIns.put(new HeldKey(key, lease.value()), filling);
        if (previous != null) {
            previous.stop();
        }
        return filling;
    }

    private List<Integer> missing(Ballot ballot) {
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (!ballot.okAt(i)) {
                missing.add(i);
            }
        }
        return missing;
    }

    /** Stops the fill-in of the lease holding {@code value}, if one runs: nothing is written for it afterwards. */
    private void stopFillIn(String key, String value) {
        FillIn filling = fillIns.remove(new HeldKey(key, value));
        if (filling != null) {
            filling.stop();
        }
    }

    /** A round of fill-in tries was answered: counts and reports it. */
    void filledIn(String resource, List<NodeOutcome> tried) {
        RedlockListener.FillInRound round = new RedlockListener.FillInRound(resource, tried);
        fillInsCreated.add(round.created());
        fillInsFailed.add(tried.size() - round.created());
        listeners.filledIn(round);
    }

    /** Keys set on nodes after a grant: created (or found holding the lease's value), and not. */
    FillInCounts fillInCounts() {
        return new FillInCounts(fillInsCreated.sum(), fillInsFailed.sum());
    }

    /** Releases on every node where the key holds {@code value}; completes with how many nodes did. */
    CompletableFuture<Integer> releaseAll(String key, String value) {
        return releaseReplies(key, value).thenApply(LockEngine::confirmed);
    }

    private static int confirmed(List<NodeReply> replies) {
        int confirmed = 0;
        for (NodeReply reply : replies) {
            confirmed += reply.isOk() ? 1 : 0;
        }
        return confirmed;
    }

    /**
     * A release asked for by the lease's holder: as {@link #releaseAll}, reported to the listeners;
     * completes with whether a quorum of nodes held the value.
     */
    CompletableFuture<Boolean> release(String resource, String value) {
        return releaseReplies(key(resource), value).thenApply(replies -> {
            boolean released = confirmed(replies) >= quorum;
            if (!listeners.isEmpty()) {
                List<NodeOutcome> outcomes = new ArrayList<>(replies.size());
                for (int i = 0; i < replies.size(); i++) {
                    outcomes.add(Ballot.outcome(addresses.get(i), replies.get(i)));
                }
                listeners.released(new RedlockListener.Release(resource, released, outcomes));
            }
            return released;
        });
    }

    private CompletableFuture<List<NodeReply>> releaseReplies(String key, String value) {
        stopFillIn(key, value);
        List<CompletableFuture<NodeReply>> replies = new ArrayList<>(nodes.size());
        for (Node node : nodes) {
            replies.add(node.release(key, value));
        }
        return CompletableFuture.allOf(replies.toArray(CompletableFuture<?>[]::new))
                .thenApply(done -> replies.stream().map(CompletableFuture::join).toList());
    }

    String key(String resource) {
        return keyPrefix + resource;
    }

    /**
     * Renews a held lease on every node where it still holds its value. Counts only with a quorum
     * and only while the current lease is still valid; completes with the renewed lease, or empty
     * when not extended (the current lease then stays as it was).
     */
    CompletableFuture<Optional<Lease>> extend(Lease lease, long ttlMillis) {
        return renew(lease, ttlMillis).thenApply(Renewal::lease);
    }

    /** The outcome of one renewal: the renewed lease, or empty; and whether a quorum of nodes refused it. */
    record Renewal(Optional<Lease> lease, boolean refused) {
    }

    /** As {@link #extend}, and says whether the lock is lost for good (a quorum no longer holds its value). */
    CompletableFuture<Renewal> renew(Lease lease, long ttlMillis) {
        long start = ticker.nanoTime();
        FillIn held = fillIns.get(new HeldKey(key(lease.resource()), lease.value()));
        // Only a lease still held re-creates lost keys: a renewal racing its release, or one of a
        // lease released or expired, must not bring the lock back.
        CompletableFuture<Ballot> sent = held == null ? setTtl(lease, ttlMillis, false)
                : held.whileHeld(() -> setTtl(lease, ttlMillis, true));
        if (sent == null) { // released meanwhile: the lock is no longer ours to renew
            return CompletableFuture.completedFuture(new Renewal(Optional.empty(), true));
        }
        return sent.thenApply(decided -> {
            long decidedAt = decided.decidedAtNanos();
            long validUntil = Validity.deadline(start, ttlMillis * 1_000_000L, options.driftFactor());
            boolean extended = decided.quorumOk() && lease.validUntilNanos() - decidedAt > 0 && validUntil - decidedAt > 0;
            if (!listeners.isEmpty()) {
                listeners.renewed(new RedlockListener.Renewal(lease.resource(), extended, decided.outcomes()));
            }
            if (!extended) {
                return new Renewal(Optional.<Lease>empty(), decided.quorumRefused());
            }
            Lease renewed = leases.create(lease.resource(), lease.value(), lease.acquiredAtNanos(), decidedAt, validUntil);
            renewed.standsOn(decided.okCount());
            if (held != null) {
                held.renewed(renewed);
            }
            decided.complete().thenAccept(all -> renewed.standsOn(all.okCount()));
            return new Renewal(Optional.of(renewed), false);
        });
    }

    /**
     * Sets the lease's key to expire in {@code ttlMillis} on every node where it still holds the
     * lease's value; completes with whether a quorum did, while the lease was still valid.
     */
    CompletableFuture<Boolean> shorten(Lease lease, long ttlMillis) {
        stopFillIn(key(lease.resource()), lease.value());
        return setTtl(lease, ttlMillis, false).thenApply(decided -> {
            boolean shortened = decided.quorumOk() && lease.validUntilNanos() - decided.decidedAtNanos() > 0;
            if (!listeners.isEmpty()) {
                listeners.released(new RedlockListener.Release(lease.resource(), shortened, decided.outcomes()));
            }
            return shortened;
        });
    }

    /**
     * @param recreate also create the key on nodes that lost it (restart, failover, eviction), never
     *        over another value; sent as EVAL (acquireOrExtend), so that it cannot run late through
     *        a NOSCRIPT fallback. Only while the lease is held (under its {@link FillIn}'s monitor).
     */
    private CompletableFuture<Ballot> setTtl(Lease lease, long ttlMillis, boolean recreate) {
        Ballot ballot = new Ballot(addresses, ticker);
        String key = key(lease.resource());
        for (int i = 0; i < nodes.size(); i++) {
            int index = i;
            Node node = nodes.get(i);
            (recreate ? node.acquireOrExtend(key, lease.value(), ttlMillis) : node.extend(key, lease.value(), ttlMillis))
                    .thenAccept(reply -> ballot.record(index, reply));
        }
        return ballot.decided();
    }

    /** Runs {@code task} after {@code delayNanos} on the engine's scheduler. */
    void schedule(Runnable task, long delayNanos) {
        scheduler.schedule(task, delayNanos);
    }
}
