package io.github.redlock.internal;

import java.util.concurrent.CompletableFuture;

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

    /** PING; the reply carries the measured latency. */
    CompletableFuture<NodeReply> ping();

    @Override
    void close();
}
