package io.github.redlock;

import io.github.redlock.internal.NodeReply;
import io.github.redlock.internal.Quorum;
import io.github.redlock.internal.Ticker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Collects the nodes' replies to one attempt. {@link #decided()} completes as soon as a quorum
 * said OK or when every node has answered or timed out; {@link #complete()} when every node has.
 *
 * <p>Granting on the first quorum keeps a slow or paused minority from adding its timeout to
 * every lock. The remaining SETs are still in flight then; that is safe, since each connection
 * runs its commands in order, so a later release of the same value reaches each node after its
 * SET, and a key that was never released expires with its TTL.
 */
final class Ballot {

    private final List<String> addresses;
    private final NodeReply[] replies;
    private final int quorum;
    private final Ticker ticker;
    private final CompletableFuture<Ballot> decided = new CompletableFuture<>();
    private final CompletableFuture<Ballot> complete = new CompletableFuture<>();
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
        boolean decide;
        boolean all;
        synchronized (this) {
            replies[node] = reply;
            answered++;
            if (reply.isOk()) {
                ok++;
            }
            all = answered == replies.length;
            decide = decidedAtNanos == 0 && (ok >= quorum || all);
            if (decide) {
                decidedAtNanos = ticker.nanoTime();
                if (decidedAtNanos == 0) {
                    decidedAtNanos = 1;
                }
            }
        }
        if (decide) {
            decided.complete(this);
        }
        if (all) {
            complete.complete(this);
        }
    }

    CompletableFuture<Ballot> decided() {
        return decided;
    }

    CompletableFuture<Ballot> complete() {
        return complete;
    }

    /** The nodes that have not said OK (yet): refused, erred, timed out or not answered. */
    synchronized List<Integer> notOk() {
        List<Integer> indexes = new java.util.ArrayList<>();
        for (int i = 0; i < replies.length; i++) {
            if (replies[i] == null || !replies[i].isOk()) {
                indexes.add(i);
            }
        }
        return List.copyOf(indexes);
    }

    /** Whether node {@code index} said OK (false while it has not answered). */
    synchronized boolean okAt(int index) {
        NodeReply reply = replies[index];
        return reply != null && reply.isOk();
    }

    /**
     * Whether this attempt's command may have set the key on node {@code index}: every reply but a
     * refusal (a timeout or error may hide a SET that landed), and but an OK that found the key
     * holding the value already (an extend-or-create that extended: the key was there before).
     */
    synchronized boolean mayHaveSet(int index) {
        NodeReply reply = replies[index];
        return reply == null || reply.status() != NodeReply.Status.REFUSED && !(reply.isOk() && reply.holder() != null);
    }

    /**
     * Whether this attempt's command created the key on node {@code index}: it said OK, and not
     * because the key already held the value (an extend-or-create that extended).
     */
    synchronized boolean created(int index) {
        NodeReply reply = replies[index];
        return reply != null && reply.isOk() && reply.holder() == null;
    }

    /** Whether node {@code index} refused: the key held another value (or a value of another type). */
    synchronized boolean refusedAt(int index) {
        NodeReply reply = replies[index];
        return reply != null && reply.status() == NodeReply.Status.REFUSED;
    }

    /** The largest token the nodes that said OK so far minted (a fenced acquire); 0 when none. */
    synchronized long maxToken() {
        long max = 0;
        for (NodeReply reply : replies) {
            if (reply != null && reply.isOk() && reply.token() > max) {
                max = reply.token();
            }
        }
        return max;
    }

    /** How many nodes said OK so far. */
    synchronized int okCount() {
        return ok;
    }

    synchronized boolean quorumOk() {
        return ok >= quorum;
    }

    /** Whether so many nodes refused that a quorum can no longer say OK, whatever the others answer. */
    synchronized boolean quorumRefused() {
        int refused = 0;
        for (NodeReply reply : replies) {
            if (reply != null && reply.status() == NodeReply.Status.REFUSED) {
                refused++;
            }
        }
        return refused > replies.length - quorum;
    }

    synchronized long decidedAtNanos() {
        return decidedAtNanos;
    }

    /** Classifies a failed attempt; call once every node has answered. */
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

    /** Where a failed attempt stands against the other clients that refusing nodes named. */
    enum Standing {
        /** The refusals named no holder (errors, timeouts, or holders not reported). */
        UNKNOWN,
        /** One other value holds a quorum of the nodes: the lock is held elsewhere. */
        HELD,
        /** No value holds a quorum, and this attempt's value holds the most nodes (ties: the smallest value). */
        SPLIT_LEADING,
        /** No value holds a quorum, and another value holds more nodes than this attempt's. */
        SPLIT_TRAILING
    }

    /**
     * How the holders named by refusing nodes stand against {@code own}, this attempt's value; call
     * once every node has answered. Every client sees the same first writer on each node, so all of
     * them that reached every node agree on which one leads a split.
     */
    synchronized Standing standing(String own) {
        Map<String, Integer> holders = new HashMap<>();
        int mine = ok;
        for (NodeReply reply : replies) {
            String holder = reply.holder();
            if (reply.status() != NodeReply.Status.REFUSED || holder == null) {
                continue;
            }
            if (holder.equals(own)) {
                mine++; // a key left by an earlier attempt with this value
            } else {
                holders.merge(holder, 1, Integer::sum);
            }
        }
        String leader = null;
        int most = 0;
        for (Map.Entry<String, Integer> entry : holders.entrySet()) {
            if (entry.getValue() > most || entry.getValue() == most && leader != null && entry.getKey().compareTo(leader) < 0) {
                leader = entry.getKey();
                most = entry.getValue();
            }
        }
        if (leader == null) {
            return Standing.UNKNOWN;
        }
        if (most >= quorum) {
            return Standing.HELD;
        }
        return mine > most || mine == most && own.compareTo(leader) < 0 ? Standing.SPLIT_LEADING : Standing.SPLIT_TRAILING;
    }

    /** The replies received so far, as public outcomes in configured order. */
    synchronized List<NodeOutcome> outcomes() {
        List<NodeOutcome> outcomes = new ArrayList<>(replies.length);
        for (int i = 0; i < replies.length; i++) {
            NodeReply reply = replies[i];
            if (reply != null) {
                outcomes.add(outcome(addresses.get(i), reply));
            }
        }
        return outcomes;
    }

    /** Each node's reply (in configured order) as public outcomes. */
    static List<NodeOutcome> outcomes(List<String> addresses, List<NodeReply> replies) {
        List<NodeOutcome> outcomes = new ArrayList<>(replies.size());
        for (int i = 0; i < replies.size(); i++) {
            outcomes.add(outcome(addresses.get(i), replies.get(i)));
        }
        return outcomes;
    }

    /** One node's reply as a public outcome. */
    static NodeOutcome outcome(String address, NodeReply reply) {
        return new NodeOutcome(address, status(reply.status()), reply.detail());
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
