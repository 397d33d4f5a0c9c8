package io.github.redlock;

import io.github.redlock.internal.NodeReply;
import io.github.redlock.internal.Quorum;
import io.github.redlock.internal.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Collects the nodes' replies to one attempt. {@link #decided()} completes when every node has
 * answered or timed out (each command is bounded by the per-node timeout). Waiting for all, not
 * just a quorum, costs at most that timeout when a node is slow, and means that once a lock is
 * granted every reachable node has applied it: callers and tests that look at the nodes see the
 * same state, and nothing of the attempt is still in flight.
 */
final class Ballot {

    private final List<String> addresses;
    private final NodeReply[] replies;
    private final int quorum;
    private final Ticker ticker;
    private final CompletableFuture<Ballot> decided = new CompletableFuture<>();
    private int ok;
    private int answered;
    private long decidedAtNanos;

    Ballot(List<String> addresses, Ticker ticker) {
        this.addresses = addresses;
        this.replies = new NodeReply[addresses.size()];
        this.quorum = Quorum.of(addresses.size());
        this.ticker = ticker;
    }

    void record(int node, NodeReply reply) {
        boolean all;
        synchronized (this) {
            replies[node] = reply;
            answered++;
            if (reply.isOk()) {
                ok++;
            }
            all = answered == replies.length;
            if (all) {
                decidedAtNanos = ticker.nanoTime();
            }
        }
        if (all) {
            decided.complete(this);
        }
    }

    CompletableFuture<Ballot> decided() {
        return decided;
    }

    synchronized boolean quorumOk() {
        return ok >= quorum;
    }

    synchronized long decidedAtNanos() {
        return decidedAtNanos;
    }

    /** Classifies a failed attempt; call once decided. */
    synchronized LockFailure failure() {
        int refused = 0;
        int unreachable = 0;
        for (NodeReply reply : replies) {
            switch (reply.status()) {
                case OK -> { }
                case REFUSED -> refused++;
                case ERROR, TIMEOUT -> unreachable++;
            }
        }
        if (ok >= quorum) {
            return LockFailure.VALIDITY_EXPIRED;
        }
        // Had every unreachable node said OK, would we have won? Then availability, not contention, failed us.
        return refused == 0 || ok + unreachable >= quorum ? LockFailure.UNAVAILABLE : LockFailure.CONTENDED;
    }

    /** The replies, as public outcomes in configured order. */
    synchronized List<NodeOutcome> outcomes() {
        List<NodeOutcome> outcomes = new ArrayList<>(replies.length);
        for (int i = 0; i < replies.length; i++) {
            NodeReply reply = replies[i];
            if (reply != null) {
                outcomes.add(new NodeOutcome(addresses.get(i), status(reply.status()), reply.detail()));
            }
        }
        return outcomes;
    }

    static NodeStatus status(NodeReply.Status status) {
        return switch (status) {
            case OK -> NodeStatus.OK;
            case REFUSED -> NodeStatus.HELD_BY_OTHER;
            case ERROR -> NodeStatus.ERROR;
            case TIMEOUT -> NodeStatus.TIMEOUT;
        };
    }
}
