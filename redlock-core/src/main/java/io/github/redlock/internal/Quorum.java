package io.github.redlock.internal;

/** Quorum arithmetic: a majority of the <em>configured</em> nodes, never of the connected ones. */
public final class Quorum {

    private Quorum() {
    }

    /** Returns {@code nodes / 2 + 1}. */
    public static int of(int nodes) {
        if (nodes < 1) {
            throw new IllegalArgumentException("at least one node is required, got " + nodes);
        }
        return nodes / 2 + 1;
    }

    /** Whether a quorum can no longer be reached once this many nodes have said no. */
    public static boolean isLost(int nodes, int refusals) {
        return refusals > nodes - of(nodes);
    }
}
