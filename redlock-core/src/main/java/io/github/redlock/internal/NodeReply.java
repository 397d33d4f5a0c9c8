package io.github.redlock.internal;

import org.jspecify.annotations.Nullable;

/**
 * What one node answered to one command.
 *
 * @param status the kind of answer
 * @param detail for {@link Status#ERROR} and {@link Status#TIMEOUT}, a short description (no secrets);
 *        for {@link Status#REFUSED}, why when the key holds no value of ours to compare (a key of
 *        another type: "key holds a value of another type (WRONGTYPE)"), otherwise {@code null}
 * @param latencyNanos time from sending to the answer, or -1 when not measured
 * @param holder for {@link Status#REFUSED} answers to {@link Node#acquireOrReportHolder}, the value
 *        the key holds; for {@link Status#OK} answers to {@link Node#acquireOrExtend} that renewed a
 *        key holding the value already, that value; otherwise {@code null}. A lock's secret: never log it.
 * @param token for {@link Status#OK} answers to a fenced acquire ({@link Node#acquireFenced}), the
 *        token the node minted; otherwise 0
 */
public record NodeReply(Status status, @Nullable String detail, long latencyNanos, @Nullable String holder, long token) {

    public enum Status {
        /** The node did what was asked (key set, released or extended). */
        OK,
        /**
         * The node answered, but the key holds another value (or none, for release and extend), or
         * a value of another type than a string.
         */
        REFUSED,
        /** The node answered with an error, or could not be reached. */
        ERROR,
        /** No answer within the per-node timeout. */
        TIMEOUT
    }

    public static final NodeReply OK = new NodeReply(Status.OK, null, -1);
    public static final NodeReply REFUSED = new NodeReply(Status.REFUSED, null, -1);

    public NodeReply(Status status, @Nullable String detail, long latencyNanos) {
        this(status, detail, latencyNanos, null);
    }

    public NodeReply(Status status, @Nullable String detail, long latencyNanos, @Nullable String holder) {
        this(status, detail, latencyNanos, holder, 0);
    }

    /** OK from a fenced acquire that created the key and minted {@code token}. */
    public static NodeReply minted(long token) {
        return new NodeReply(Status.OK, null, -1, null, token);
    }

    /** OK from a fenced acquire that renewed a key holding {@code value} already, and minted {@code token}. */
    public static NodeReply mintedHeldAlready(String value, long token) {
        return new NodeReply(Status.OK, null, -1, value, token);
    }

    /** The same reply with {@code detail}. */
    public NodeReply withDetail(String detail) {
        return new NodeReply(status, detail, latencyNanos, holder, token);
    }

    public static NodeReply error(String detail) {
        return new NodeReply(Status.ERROR, detail, -1);
    }

    public static NodeReply timeout(String detail) {
        return new NodeReply(Status.TIMEOUT, detail, -1);
    }

    /** OK, and the key held {@code value} already: renewed, not created (an extend-or-create). */
    public static NodeReply heldAlready(String value) {
        return new NodeReply(Status.OK, null, -1, value);
    }

    /** REFUSED because the key holds {@code holder}. */
    public static NodeReply refusedBy(String holder) {
        return new NodeReply(Status.REFUSED, null, -1, holder);
    }

    public boolean isOk() {
        return status == Status.OK;
    }
}
