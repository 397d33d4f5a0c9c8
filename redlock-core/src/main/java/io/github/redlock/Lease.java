package io.github.redlock;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A lock granted by {@link Redlock}, and the handle that ends it. Thread-safe: ownership is the pair
 * (resource, value), not the thread that acquired it.
 *
 * <p>A lease is valid for {@link #validity()} from the moment it was granted or last renewed,
 * measured by a monotonic clock; after that the lock may already belong to someone else, even if this
 * process was paused and never noticed. It is no longer valid once released. A lease asked for
 * with {@link LockRequest#withFencing()} carries a {@link #fencingToken() fencing token}, which the
 * protected resource can check to reject the writes of a holder that outlived its lease.
 *
 * <p>{@link #release()} (and {@link #close()}, so a lease works in try-with-resources) does what the
 * {@link LockRequest} asked for: it stops the keep-alive and waits for a renewal in flight, then
 * deletes the key on every node where it still holds this lease's value, or, while the request's
 * minimum hold still runs, sets it to expire when the hold ends. It ends the lease once; later calls
 * return false.
 */
public final class Lease implements AutoCloseable {

    private final HeldLock held;
    private final Instant acquiredAt;

    Lease(HeldLock held) {
        this.held = held;
        this.acquiredAt = Instant.now().minusNanos(Math.max(0, held.ticker().nanoTime() - held.acquiredAtNanos()));
    }

    /** The locked resource, as requested (without the key prefix). */
    public String resource() {
        return held.request().resource();
    }

    /** The low-cardinality name of the request ({@link LockRequest#withName(String)}), if any. */
    public java.util.Optional<String> name() {
        return held.request().name();
    }

    /** The value stored on the nodes; whoever knows it can release or extend the lock. */
    public String value() {
        return held.value();
    }

    /** How long the lock was granted for at its last grant or renewal: TTL minus the time it took minus clock drift. */
    public Duration validity() {
        return Duration.ofNanos(Math.max(0, held.validUntilNanos() - held.grantedAtNanos()));
    }

    /** Whether it is still held: not released, and the validity not run out (by a monotonic clock). */
    public boolean isValid() {
        return held.isHeld();
    }

    /**
     * Whether work may still start under it: held, with more validity left than a small margin (1%
     * of the TTL of its last grant or renewal, at least 1 ms). The check {@link Redlock#execute} makes before its work
     * starts; a grant that arrives with less is of no use (its lock may be another's by the time the
     * work gets going) and is best {@link #abandon() abandoned}. False once released or left to expire.
     */
    public boolean isUsable() {
        return held.usable();
    }

    /** Validity left now; {@link Duration#ZERO} once it ran out or was released. */
    public Duration remaining() {
        if (!held.isHeld()) {
            return Duration.ZERO;
        }
        long left = held.validUntilNanos() - held.ticker().nanoTime();
        return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    /**
     * On how many nodes the lease's key was last known to stand: those that granted it, then more
     * as the engine fills in the nodes that refused or did not answer. Each renewal and each check
     * (every third of the TTL without keep-alive) sets it anew, so it can also go down: nodes that
     * answered with another value, with an error or not at all are not counted. Never counts a node
     * twice; may overstate a node that lost the key since the last renewal or check. Once a check
     * or renewal found the lock {@linkplain #lost() lost}, it counts only the nodes found holding
     * the key, not those where it was just created.
     */
    public int nodes() {
        return held.nodes();
    }

    /**
     * The fencing token of a lease granted for a {@link LockRequest#withFencing() fenced request};
     * empty for every other lease. A positive number below 2<sup>53</sup>, not consecutive: larger
     * than the token of every lease of this resource that was handed out before this lease's lock
     * call started (docs/fencing.md states the contract and its assumptions). Renewals and keep-alive
     * keep it. It protects only a resource that checks it: send it with every write, and let the
     * resource reject a token lower than the highest it has accepted, in the same transaction as the
     * write.
     */
    public java.util.OptionalLong fencingToken() {
        return held.fencingToken();
    }

    /** The wall-clock time the lock was first granted (renewals keep it), for display only. */
    public Instant acquiredAt() {
        return acquiredAt;
    }

    /**
     * Completes with this lease when the lock is lost while held: a renewal was refused by a quorum of
     * nodes, a renewal, a fill-in or a check of the lease's nodes (every third of the TTL without
     * keep-alive) found the key missing or holding another value on {@code N - quorum + 1} nodes, so
     * that no quorum can be holding it (its validity then ends at once; nodes that erred or did not
     * answer are no evidence), a
     * keep-alive renewal did not succeed before the validity ran out, or the {@link Redlock}
     * was closed while the lease was held (it then releases it, or leaves it to expire while a locked
     * call's work still runs). Never completes when the lease is released first, never exceptionally. May complete on a Redis I/O thread: do not block in dependent stages.
     */
    public CompletionStage<Lease> lost() {
        return held.lost().minimalCompletionStage();
    }

    /**
     * Ends the lock as the request asked (see the class description), blocking for at most two rounds
     * of node commands.
     *
     * @return true when a quorum of nodes still held the lock and released it (or kept it for the
     *         minimum hold); false when it had expired or been taken over, too few nodes answered, or
     *         it was already released. Never throws for Redis errors.
     */
    public boolean release() {
        return held.awaitRounds(held.release(), 2, false);
    }

    /** As {@link #release()}, without blocking; the stage may complete on a Redis I/O thread. */
    public CompletionStage<Boolean> releaseAsync() {
        CompletableFuture<Boolean> release = held.release();
        return release.minimalCompletionStage();
    }

    /**
     * Stops renewing and keeps the lock until its key expires (the TTL of its last grant or renewal):
     * nothing more is written for it, and it no longer counts as held. For work that may still be
     * running but is no longer watched, such as a cancelled subscription: releasing then would let
     * another holder in while the work goes on.
     */
    public void letExpire() {
        held.letExpire();
    }

    /**
     * Ends a lease under which no work ran, such as a grant that was not {@link #isUsable() usable}:
     * deletes its key at once on every node where it still holds this lease's value, whatever the
     * request's minimum hold (nothing ran that the hold could protect), blocking for at most two
     * rounds of node commands. {@link Redlock#execute} ends such grants so.
     *
     * <p>Only a lease no work can have started under is deleted so: one that is not usable now and
     * under which no locked call's work ({@link Redlock#execute}, re-entered or not) runs. A lease
     * still usable (work may have started under it) or with such work running ends as
     * {@link #release()} does instead: after that work, with the minimum hold kept, so that
     * abandoning never lets another holder in while work may run under the lock or before its hold
     * is over.
     *
     * @return true when a quorum of nodes still held the lock and deleted it (or, ended as
     *         {@link #release()}, released or kept it); false otherwise (also when it had already
     *         ended). Never throws for Redis errors.
     */
    public boolean abandon() {
        return held.awaitRounds(held.abandon(), 2, false);
    }

    /**
     * Ends a lease whose renewal failed while its work may still run (the work is no longer
     * watched, or cannot be stopped): it is {@link #letExpire() left to expire} on every node,
     * valid or not. Releasing it would let another holder in while that work runs: at once where
     * the renewal failed only because too few nodes answered in time, and before the keys' own TTL
     * where its validity ran out or a majority lost its key. The ShedLock provider and the Spring
     * Integration registry end their locks so when an extension or a re-entrant renewal fails.
     *
     * @return true when it was still valid, false when it was no longer (or had already ended)
     */
    public boolean relinquish() {
        boolean valid = held.isHeld();
        held.letExpire();
        return valid;
    }

    /** As {@link #release()}. */
    @Override
    public void close() {
        release();
    }

    HeldLock held() {
        return held;
    }

    /** Shows the resource and validity, never the value (it is the lock's secret). */
    @Override
    public String toString() {
        return "Lease[resource=" + LockRequest.shown(resource()) + ", validity=" + validity().toMillis() + "ms, valid=" + isValid() + ", nodes="
                + nodes() + (fencingToken().isPresent() ? ", fencingToken=" + fencingToken().getAsLong() : "") + "]";
    }
}
