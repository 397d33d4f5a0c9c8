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

    /** PING; the reply carries the measured latency. */
    CompletableFuture<NodeReply> ping();

    @Override
    void close();
}
