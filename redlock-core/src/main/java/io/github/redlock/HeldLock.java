package io.github.redlock;

import io.github.redlock.internal.NodeReply;
import io.github.redlock.internal.Ticker;
import io.github.redlock.internal.Validity;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One held lock and all of its state: validity, the nodes it stands on, its fill-in, its renewal,
 * its minimum hold, and whether it has ended. {@link Lease} is its public face; the
 * {@link HeldLocks} table owns it from the grant until it ends.
 *
 * <p>One monitor (this object) guards the state. Every write for the lock while it is held (a
 * fill-in try, a renewal) is sent under the monitor after checking that the lock is still
 * {@link State#HELD}, and ending it changes the state under the same monitor before the release is
 * sent: on each node's connection, which runs commands in order, the release therefore follows
 * those writes, and nothing is written for the lock after it.
 */
final class HeldLock {

    /** The shortest delay between renewals; below it, a lease is too short to keep alive. */
    private static final long MIN_RENEWAL_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** Below this, a minimum hold is over: Redis expires keys with millisecond precision. */
    private static final long MIN_HOLD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    enum State {
        /** Granted and not ended: renewals and fill-ins may write. */
        HELD,
        /** Its release has begun: nothing more is written for it but the release. */
        ENDING,
        /** Released, left to expire, or replaced: gone from the table. */
        ENDED
    }

    private final HeldLocks table;
    private final LockEngine engine;
    private final Listeners listeners;
    private final Ticker ticker;
    private final LockRequest request;
    private final String key;
    private final String value;
    private final long acquiredAtNanos;
    private final FillIn fillIn;
    /**
     * The nodes whose waiter queues keep the waiting call's place after the grant, until the lock
     * ends or is lost (guarded by this); a first attempt's, once every node answered, only where it
     * did not set the key (it entered no queue where it did).
     */
    private final java.util.Set<Integer> placesKept = new java.util.TreeSet<>();
    private final boolean grantedAtFirstAttempt;
    /** Set once work under it was cancelled but may still run: from then on it is only ever left to expire. */
    private boolean keptForCancelledWork;
    /** Set when a newer grant of the same value replaced it: the places in the queues are that grant's now. */
    private boolean replaced;
    private final CompletableFuture<Lease> lost = new CompletableFuture<>();
    private final Lease lease;
    /** The fencing token handed out with the grant; 0 for an unfenced lease (tokens are positive). */
    private final long fencingToken;

    private volatile long grantedAtNanos;
    private volatile long validUntilNanos;
    private volatile int nodes;
    /** The TTL of the last grant or successful renewal, which {@link #marginNanos()} is a share of. */
    private volatile long ttlNanos;

    // Guarded by this.
    private State state = State.HELD;
    private int working;
    private CompletableFuture<?> renewal = CompletableFuture.completedFuture(null);
    private long renewalsSent;
    private boolean releaseWhenIdle;
    /** Cancels the keep-alive renewal scheduled, if it has not run. */
    private @Nullable Runnable renewalDue;

    HeldLock(HeldLocks table, LockEngine engine, Listeners listeners, LockRequest request, String value,
            LockEngine.Grant grant, boolean fillIn) {
        this.table = table;
        this.engine = engine;
        this.listeners = listeners;
        this.ticker = engine.ticker();
        this.request = request;
        this.key = engine.key(request.resource());
        this.value = value;
        this.acquiredAtNanos = grant.decidedAtNanos();
        this.grantedAtNanos = grant.decidedAtNanos();
        this.validUntilNanos = grant.validUntilNanos();
        this.nodes = grant.ballot().okCount();
        this.ttlNanos = request.ttl().toNanos();
        this.fencingToken = grant.fencingToken();
        this.fillIn = new FillIn(this, engine, fillIn, !request.keepAlive());
        this.grantedAtFirstAttempt = grant.attempts() == 1;
        if (fillIn) {
            this.placesKept.addAll(grant.placesKept());
        } else { // tests that show what fill-in prevents: the lease keeps no place for its fill-in either
            engine.leaveQueues(key, value, grant.placesKept(), false);
        }
        this.lease = new Lease(this);
    }

    /**
     * Starts what keeps the lock standing: fill-in once every node answered the grant, then checks
     * of its nodes (see {@link FillIn}), and the keep-alive.
     */
    void start(Ballot grant) {
        grant.complete().thenAccept(all -> {
            if (grantedAtFirstAttempt) {
                synchronized (this) {
                    placesKept.removeIf(all::okAt);
                }
            }
            standsOn(all.okCount());
            fillIn.restart(all, request.ttl().toNanos());
        });
        if (request.keepAlive()) {
            scheduleRenewal();
        }
    }

    Lease lease() {
        return lease;
    }

    /** Whether {@code table} holds it: a lease granted by another Redlock is not this one's to end or renew. */
    boolean ownedBy(HeldLocks table) {
        return this.table == table;
    }

    LockRequest request() {
        return request;
    }

    String key() {
        return key;
    }

    String value() {
        return value;
    }

    java.util.OptionalLong fencingToken() {
        return fencingToken > 0 ? java.util.OptionalLong.of(fencingToken) : java.util.OptionalLong.empty();
    }

    /** The fencing token, 0 when unfenced. */
    long token() {
        return fencingToken;
    }

    long acquiredAtNanos() {
        return acquiredAtNanos;
    }

    long grantedAtNanos() {
        return grantedAtNanos;
    }

    long validUntilNanos() {
        return validUntilNanos;
    }

    int nodes() {
        return nodes;
    }

    Ticker ticker() {
        return ticker;
    }

    CompletableFuture<Lease> lost() {
        return lost;
    }

    /** Whether it is held: not ended, and its validity not run out. */
    boolean isHeld() {
        synchronized (this) {
            if (state != State.HELD) {
                return false;
            }
        }
        return validUntilNanos - ticker.nanoTime() > 0;
    }

    /** Whether it was held at {@code nanos}: not ended, and its validity not run out then. */
    synchronized boolean heldAt(long nanos) {
        return state == State.HELD && validUntilNanos - nanos > 0;
    }

    /** Records the nodes known to hold the key; only ever raises the count. */
    synchronized void standsOn(int count) {
        if (count > nodes) {
            nodes = count;
        }
    }

    private synchronized void renewedOn(int count) {
        nodes = count;
    }

    /** Records the nodes found holding the key by a fill-in or check round (which knows where it stands now). */
    synchronized void stoodOn(int count) {
        nodes = count;
    }

    /**
     * A fill-in or check round, or a renewal, found the key not holding the lease's value (missing,
     * or another value) on so many nodes that a quorum can no longer hold it: the lock is gone, so
     * its validity ends now and it is reported lost.
     */
    void lostKey() {
        cutTo(ticker.nanoTime());
        lose(true);
    }

    /**
     * Whether a renewal's replies so far show the key was not holding the lease's value (created
     * now, or another value) on {@code N - quorum + 1} nodes, so that no quorum can be holding it.
     */
    private boolean lostOn(Ballot ballot) {
        int notHolding = 0;
        for (int i = 0; i < engine.nodes().size(); i++) {
            notHolding += ballot.created(i) || ballot.refusedAt(i) ? 1 : 0;
        }
        return notHolding >= FillIn.lostAt(engine);
    }

    /** Runs {@code send} under the monitor while the lock is held; false (nothing sent) once it is ending. */
    synchronized boolean whileHeld(Runnable send) {
        if (state != State.HELD) {
            return false;
        }
        send.run();
        return true;
    }

    /**
     * The validity a lock must have left for work to start under it: 1% of the TTL of its last grant
     * or renewal (a renewal to another TTL brings its own validity, and so its own margin), at least
     * 1 ms. The one place this margin is defined ({@link Lease#isUsable()}, the locked calls).
     */
    long marginNanos() {
        return Math.max(TimeUnit.MILLISECONDS.toNanos(1), ttlNanos / 100);
    }

    /** Whether work may start under it: held, with more than {@link #marginNanos()} of validity left. */
    synchronized boolean usable() {
        return state == State.HELD && validUntilNanos - ticker.nanoTime() > marginNanos();
    }

    /**
     * A locked call's work is about to start: true, and counted as running, when the lock is
     * {@link #usable()}; checked and counted in one step, so that {@link Redlock#close()} either
     * sees the work running (and leaves the lock to expire) or ends the lock before the work could
     * start.
     */
    synchronized boolean startWork() {
        if (!usable()) {
            return false;
        }
        working++;
        return true;
    }

    /**
     * A locked call's work was cancelled but may still run: the lock is never deleted or shortened
     * from now on, only left to expire (a release asked for meanwhile, or later, lets it expire).
     */
    void workCancelled() {
        boolean endNow;
        synchronized (this) {
            working--;
            keptForCancelledWork = true;
            endNow = working == 0 && releaseWhenIdle;
            if (endNow) {
                releaseWhenIdle = false;
            }
        }
        if (endNow) {
            letExpire();
        }
    }

    /**
     * A locked call's work ended (call before ending the lock). When it was the last work under a
     * lock whose release was asked for meanwhile (a nested call's work outliving its caller's), the
     * lock is released now.
     */
    void workDone() {
        boolean releaseNow;
        synchronized (this) {
            working--;
            releaseNow = working == 0 && releaseWhenIdle;
            if (releaseNow) {
                releaseWhenIdle = false;
            }
        }
        if (releaseNow) {
            release();
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Renewal

    /**
     * Renews the lock to {@code ttlMillis} on every node where it holds its value (re-creating it
     * where it was lost), while it is held. Completes with true when a quorum did so in time; the
     * lease then has the new validity. A renewal to a shorter TTL shortens the keys wherever it
     * lands, answered or not, so the lease's validity is cut to the new deadline as soon as it is
     * sent, whatever the outcome. A quorum that refused, or {@code N - quorum + 1} nodes that did not
     * hold the key (the renewal created it there, or another value held it), mean the lock is gone:
     * the lease is then no longer valid and {@link #lost()} completes.
     */
    CompletableFuture<Boolean> renew(long ttlMillis) {
        long start = ticker.nanoTime();
        long deadline = Validity.deadline(start, ttlMillis * 1_000_000L, engine.options().driftFactor());
        CompletableFuture<Boolean> renewed = new CompletableFuture<>();
        Ballot ballot;
        long sequence;
        synchronized (this) {
            // Only a lock still held and valid is renewed: a renewal re-creates lost keys, and must
            // not bring back a lock that ran out (after a pause) or was lost.
            if (state != State.HELD || validUntilNanos - start <= 0) {
                return CompletableFuture.completedFuture(false);
            }
            ballot = engine.setTtl(key, value, ttlMillis, true, fencingToken);
            sequence = ++renewalsSent;
            cutTo(deadline);
            renewal = renewed;
        }
        // A quorum that said OK only where the key was there already proves the key stands on a
        // quorum; one that includes a re-created key waits for every node's answer (bounded by the
        // node timeout), since the others may show the key gone from N - quorum + 1 nodes.
        ballot.decided().thenCompose(decided -> created(decided) > 0 && !lostOn(decided)
                ? decided.complete() : CompletableFuture.completedFuture(decided)).thenAccept(decided -> {
            long decidedAt = created(decided) == 0 ? decided.decidedAtNanos() : ticker.nanoTime();
            boolean keyLost = lostOn(decided);
            boolean extended;
            synchronized (this) {
                extended = decided.quorumOk() && validUntilNanos - decidedAt > 0 && deadline - decidedAt > 0
                        && state != State.ENDED && !keyLost;
                // Raised only by the latest renewal sent: an earlier one deciding late must not undo
                // the cut of a later, shorter one.
                if (extended && sequence == renewalsSent) {
                    grantedAtNanos = decidedAt;
                    validUntilNanos = deadline;
                    ttlNanos = ttlMillis * 1_000_000L;
                }
            }
            if (!listeners.isEmpty()) {
                listeners.renewed(new RedlockListener.Renewal(lease.resource(), extended, decided.outcomes()));
            }
            if (extended) {
                // A renewal says exactly where the key stands now, also where it was lost since; the
                // fill-in then sets it where it is still missing.
                decided.complete().thenAccept(all -> {
                    renewedOn(all.okCount());
                    fillIn.restart(all, ttlMillis * 1_000_000L);
                });
            } else if (keyLost || decided.quorumRefused()) {
                renewedOn(decided.okCount() - created(decided));
                cutTo(decidedAt);
                lose(true);
            }
            renewed.complete(extended);
        });
        return renewed;
    }

    /** Lowers the validity to {@code deadline} if it is later: a command that may shorten the keys was sent. */
    synchronized void cutTo(long deadline) {
        if (deadline - validUntilNanos < 0) {
            validUntilNanos = deadline;
        }
    }

    private int created(Ballot ballot) {
        int created = 0;
        for (int i = 0; i < engine.nodes().size(); i++) {
            created += ballot.created(i) ? 1 : 0;
        }
        return created;
    }

    private void scheduleRenewal() {
        long periodNanos = Math.max(request.ttl().toNanos() / 3, MIN_RENEWAL_DELAY_NANOS);
        long dueNanos = Math.min(periodNanos, lease.remaining().toNanos() / 3);
        boolean scheduled;
        synchronized (this) {
            if (state != State.HELD) {
                return;
            }
            // Under the monitor, so that ending the lock always finds it to cancel.
            renewalDue = engine.scheduleCancellable(this::keepAlive, Math.max(dueNanos, MIN_RENEWAL_DELAY_NANOS));
            scheduled = renewalDue != null;
        }
        if (!scheduled) {
            lose(true);
        }
    }

    /**
     * One keep-alive renewal: due when a third of the TTL has passed since the last one, and never
     * later than when two thirds of the validity are left. One that failed because too few nodes
     * answered is tried again, sooner each time, while the lease is valid; the lock is lost when a
     * quorum refused or the validity ran out first.
     */
    private void keepAlive() {
        if (!isHeld()) {
            lose(true);
            return;
        }
        renew(request.ttl().toMillis()).thenAccept(renewed -> {
            synchronized (this) {
                if (state != State.HELD) {
                    return;
                }
            }
            if (renewed || isHeld()) {
                scheduleRenewal();
            } else {
                lose(true);
            }
        });
    }

    /**
     * The lock is lost while held: stops the fill-in and the checks (a later release still cleans
     * up) and says so once.
     */
    private void lose(boolean tell) {
        synchronized (this) {
            if (state != State.HELD) {
                return;
            }
        }
        fillIn.stop();
        // The places it kept in waiter queues stand for nothing now: left (telling the waiters behind).
        leavePlaces(tell);
        lost.complete(lease);
    }

    // ----------------------------------------------------------------------------------------------
    // Ending

    /**
     * Ends the lock: stops renewal and fill-in, waits for a renewal in flight, then releases it, or,
     * while its minimum hold still runs, sets its key to expire when the hold ends. While other work
     * still runs under it (a re-entered call's), the release waits for that work to end. Completes with
     * true when a quorum of nodes released (or kept) it; false when it had expired or been taken
     * over, too few nodes answered, or it had already ended. Never completes exceptionally.
     */
    CompletableFuture<Boolean> release() {
        return end(Ending.RELEASE);
    }

    /**
     * {@link Lease#abandon()}: its holder says no work ran under it. Deleted at once, whatever the
     * minimum hold, only when no work can have started under it: no locked call's work runs under it
     * and it is not {@link #usable()} now (work may start under a usable lease, and its holder may
     * have started some). Otherwise it ends as {@link #release()} does: after that work, with the
     * minimum hold kept.
     */
    CompletableFuture<Boolean> abandon() {
        return end(Ending.ABANDON);
    }

    /**
     * Ends a lock whose work never started, as this package knows (a grant nobody took, or one whose
     * validity ran out before its work): deleted at once, whatever the minimum hold, unless other
     * work (a re-entered call's) runs under it: then it ends as {@link #release()} does.
     */
    CompletableFuture<Boolean> discard() {
        return end(Ending.DISCARD);
    }

    /** How a lock is asked to end. */
    private enum Ending {
        /** As the request asked: minimum hold kept, deferred while work runs under it. */
        RELEASE,
        /** Its holder says no work ran: deleted at once unless work may run under it. */
        ABANDON,
        /** No work started, as this package knows: deleted at once unless work runs under it. */
        DISCARD
    }

    /**
     * Stops every write for the lock, waits for a renewal in flight, then ends it: as asked (minimum
     * hold kept; deferred while other work runs under it), or by deleting it at once. Never deleted
     * at once while work runs, or (abandoned) may run, under it.
     */
    private CompletableFuture<Boolean> end(Ending how) {
        CompletableFuture<?> inFlight;
        boolean asAsked;
        boolean keep;
        synchronized (this) {
            if (state != State.HELD) {
                return CompletableFuture.completedFuture(false);
            }
            asAsked = how == Ending.RELEASE || working > 0 || (how == Ending.ABANDON && usable());
            if (asAsked && working > 0) {
                // Work still runs under it (a nested call's, re-entered): it stays held, renewed as
                // asked, and is released when that work ends.
                releaseWhenIdle = true;
                return CompletableFuture.completedFuture(true);
            }
            keep = keptForCancelledWork;
            state = State.ENDING;
            inFlight = renewal;
        }
        if (keep) { // cancelled work may still run under it: left to expire, never deleted
            ended();
            return CompletableFuture.completedFuture(true);
        }
        return inFlight.handle((done, error) -> true).thenCompose(ignored -> asAsked ? endNow() : delete());
    }

    private CompletableFuture<Boolean> endNow() {
        long now = ticker.nanoTime();
        long validUntil = validUntilNanos;
        long holdLeftNanos = acquiredAtNanos + holdNanos() - now;
        long remainingNanos = validUntil - now;
        if (holdLeftNanos < MIN_HOLD_NANOS) {
            return delete();
        }
        ended();
        if (remainingNanos <= 0) {
            listeners.released(new RedlockListener.Release(lease.resource(), false, List.of()));
            return CompletableFuture.completedFuture(false);
        }
        if (holdLeftNanos >= remainingNanos) {
            listeners.released(new RedlockListener.Release(lease.resource(), true, List.of()));
            return CompletableFuture.completedFuture(true); // the key expires with its TTL, at about the hold's end
        }
        long holdLeftMillis = TimeUnit.NANOSECONDS.toMillis(holdLeftNanos);
        return engine.setTtl(key, value, holdLeftMillis, false).decided().thenApply(decided -> {
            boolean shortened = decided.quorumOk() && validUntil - decided.decidedAtNanos() > 0;
            if (!listeners.isEmpty()) {
                listeners.released(new RedlockListener.Release(lease.resource(), shortened, decided.outcomes()));
            }
            if (!shortened) {
                // The key otherwise keeps its TTL, which is longer, so the hold holds either way.
                engine.schedule(() -> engine.release(key, value), holdLeftNanos);
            }
            return shortened;
        });
    }

    private long holdNanos() {
        long hold = request.minimumHold().toNanos();
        long ttl = request.ttl().toNanos();
        return Math.min(hold, ttl);
    }

    private CompletableFuture<Boolean> delete() {
        ended();
        return engine.release(key, value).thenApply(replies -> {
            boolean released = LockEngine.confirmed(replies) >= engine.quorum();
            reportRelease(released, replies);
            return released;
        });
    }

    /** Reports a release answered by the nodes to the listeners. */
    void reportRelease(boolean released, List<NodeReply> replies) {
        if (!listeners.isEmpty()) {
            listeners.released(new RedlockListener.Release(lease.resource(), released,
                    Ballot.outcomes(engine.addresses(), replies)));
        }
    }

    /**
     * Stops renewing and keeps the lock until its key expires: nothing more is written for it. For
     * work that may still be running but is no longer watched (a cancelled subscription), and for a
     * lock replaced by a newer grant of the same value.
     */
    void letExpire() {
        synchronized (this) {
            if (state != State.HELD) {
                return;
            }
            state = State.ENDING;
        }
        ended();
    }

    /**
     * As {@link #letExpire()}, for a lock a newer grant of the same value replaced: hands the places
     * it kept in the waiter queues to {@code newer} (they are matched by value, so they are that
     * grant's to leave).
     */
    void replacedBy(HeldLock newer) {
        java.util.Set<Integer> places;
        synchronized (this) {
            replaced = true;
            places = fillIn.takeReserved();
            places.addAll(placesKept);
            placesKept.clear();
        }
        synchronized (newer) {
            newer.placesKept.addAll(places);
        }
        letExpire();
    }

    /**
     * At {@link Redlock#close()}: reported lost (its holder did not release it), then left to expire
     * with its TTL, never deleted: whoever holds it (a locked call's work, a ShedLock task, a registry
     * lock, code holding the lease) may still be working under it, and deleting the key would let
     * another process in while it does.
     */
    CompletableFuture<Boolean> close() {
        lose(false); // whoever holds it did not release it; its key still stands, so nobody is told
        letExpire();
        return CompletableFuture.completedFuture(true);
    }

    private void ended() {
        Runnable renewalCancel;
        synchronized (this) {
            state = State.ENDED;
            renewalCancel = renewalDue;
            renewalDue = null;
        }
        fillIn.stop();
        if (renewalCancel != null) {
            renewalCancel.run();
        }
        // Before any release is sent, on the same connections: a waiter woken by the release finds no place kept.
        leavePlaces(false);
        table.remove(this);
    }

    /** Leaves the places the lock kept in the nodes' waiter queues (see {@link FillIn}), once; with {@code tell}, publishing as a waiter that gave up. */
    private void leavePlaces(boolean tell) {
        java.util.Set<Integer> places = fillIn.takeReserved();
        synchronized (this) {
            places.addAll(placesKept);
            placesKept.clear();
            if (replaced) {
                return;
            }
        }
        engine.leaveQueues(key, value, places, tell);
    }

    /** Waits for {@code future} up to {@code rounds} rounds of node commands, each bounded by the node timeout. */
    <T> T awaitRounds(CompletableFuture<T> future, int rounds, T fallback) {
        return Redlock.await(future, Redlock.roundBound(engine.options()).multipliedBy(rounds), fallback);
    }

    /** A round of fill-in tries was answered: counts and reports it. */
    void filledIn(List<NodeOutcome> tried) {
        RedlockListener.FillInRound round = new RedlockListener.FillInRound(lease.resource(), tried);
        engine.countFillIns(round.created(), round.contended(), tried.size() - round.created() - round.contended());
        listeners.filledIn(round);
    }
}
