package io.github.redlock.internal;

import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One independent Redis master, asked asynchronously. Every returned future completes, normally,
 * within the node's timeout: failures are reported as {@link NodeReply.Status#ERROR} or
 * {@link NodeReply.Status#TIMEOUT}, never as an exceptional completion.
 */
public interface Node extends AutoCloseable {

    /** The server's address with any password removed. */
    String address();

    /** {@code SET key value NX PX ttl}: OK when set, REFUSED when the key exists. */
    CompletableFuture<NodeReply> acquire(String key, String value, long ttlMillis);

    /**
     * As {@link #acquire}, and when the key exists the REFUSED reply carries the value it holds
     * ({@link NodeReply#holder()}), read atomically with the refusal, so that a caller can tell one
     * holder with a majority from a split vote.
     */
    CompletableFuture<NodeReply> acquireOrReportHolder(String key, String value, long ttlMillis);

    /**
     * Sets the key when free (OK), or renews its TTL when it holds {@code value} (OK with
     * {@link NodeReply#holder()} that value: not created by this call); REFUSED when it holds another value.
     */
    CompletableFuture<NodeReply> acquireOrExtend(String key, String value, long ttlMillis);

    /** Renews the TTL only if the key holds {@code value}; REFUSED otherwise. */
    CompletableFuture<NodeReply> extend(String key, String value, long ttlMillis);

    /** Deletes the key only if it holds {@code value}; REFUSED otherwise. */
    CompletableFuture<NodeReply> release(String key, String value);

    /**
     * Phase 1 of a fenced grant: mints a token ({@code max(counter + 1, node time in µs)}) and takes
     * the key in one script. OK with {@link NodeReply#token()} when it created the key (or, with
     * {@code extend}, renewed a key holding {@code value}: then {@link NodeReply#holder()} is that
     * value); REFUSED with the holder when the key is held; ERROR when the node refuses to mint
     * (quarantine after a lost counter, token space exhausted, missing ACL permission, Redis before 5).
     */
    CompletableFuture<NodeReply> acquireFenced(String key, String value, long ttlMillis, FencingCounter counter,
            boolean extend);

    /**
     * Phase 2 of a fenced grant: raises the counter to {@code token}, then OK when the key still
     * holds {@code value} (the node confirms), REFUSED when it does not. Creates no lock key.
     */
    CompletableFuture<NodeReply> writeBack(String key, String value, long token, FencingCounter counter);

    /** As {@link #acquireOrExtend}, for a fenced lease: also raises the counter to {@code token} (best effort). */
    CompletableFuture<NodeReply> renewFenced(String key, String value, long ttlMillis, long token, FencingCounter counter);

    /** As {@link #acquireOrReportHolder}, for a fenced lease's fill-in: also raises the counter to {@code token} (best effort). */
    CompletableFuture<NodeReply> fillInFenced(String key, String value, long ttlMillis, long token, FencingCounter counter);

    /**
     * As {@link #release}, and when it deleted the key, hands it over to the waiter at the head of
     * its queue if that one takes hand-overs (see {@link #acquireQueued}), and publishes on the key's
     * release channel (see {@link Waiting.Notice}) so that waiters hear of it at once. For a lease's release only: a failed
     * attempt's cleanup uses {@link #release}, or waiters would wake each other for nothing. By
     * default, for nodes without pub/sub: as {@link #release}.
     */
    default CompletableFuture<NodeReply> releaseAndNotify(String key, String value) {
        return release(key, value);
    }

    /** Where a refused waiting acquire left the waiter in the node's queue. */
    @FunctionalInterface
    interface Placed {
        /**
         * @param sinceMillis the waiter's score in the queue
         * @param ahead the value of the fresh entry right ahead of it, or null when none is
         */
        void placed(long sinceMillis, @Nullable String ahead);
    }

    /**
     * A waiting acquire that honours the key's waiter queue (see {@link Waiting}): OK when set;
     * REFUSED, with the holder's value if any, when the key is held or another fresh waiter is ahead,
     * and then {@code place} hears this waiter's score in the queue and who is right ahead of it.
     * {@code sinceMillis} is that score from an earlier refusal, or negative on the first attempt
     * (the node then places the waiter at its time less {@code waitedMillis}). With {@code attempt}
     * positive (the number of the caller's attempt), the waiter takes hand-overs: a release may set
     * the key to its value ({@link #releaseAndNotify}), and a key found holding {@code value} is
     * renewed to {@code ttlMillis} and answers OK; only for a value nobody else can hold (random).
     * By default, for nodes without a queue: as {@link #acquireOrReportHolder}.
     */
    default CompletableFuture<NodeReply> acquireQueued(String key, String value, long ttlMillis, long sinceMillis,
            long waitedMillis, long freshForMillis, long attempt, Placed place) {
        return acquireOrReportHolder(key, value, ttlMillis);
    }

    /**
     * A fill-in try of a held lease: as {@link #acquireOrReportHolder}, and where another value holds
     * the key, reserves the lease's place at the head of the key's waiter queue until the next try
     * or {@code ttlMillis} (see {@link Waiting}); {@link #leaveQueue} removes it. By default, for
     * nodes without a queue: as {@link #acquireOrReportHolder}.
     */
    default CompletableFuture<NodeReply> fillIn(String key, String value, long ttlMillis) {
        return acquireOrReportHolder(key, value, ttlMillis);
    }

    /**
     * Removes {@code value}'s entry from the key's waiter queue, if any; with {@code giveBack} (a
     * waiter that took hand-overs ends without the lock), also deletes the key where it holds
     * {@code value}; with {@code gaveUp} (the call ends without the lock), publishes on the key's
     * release channel as a release of {@code value} would, when it removed an entry or a key: the
     * waiter right behind waits for that. By default nothing.
     */
    default CompletableFuture<NodeReply> leaveQueue(String key, String value, boolean gaveUp, boolean giveBack) {
        return CompletableFuture.completedFuture(NodeReply.OK);
    }

    /** PING; the reply carries the measured latency. */
    CompletableFuture<NodeReply> ping();

    @Override
    void close();
}
