package io.github.redlock;

import java.util.EnumSet;

/**
 * The fencing protocol's negative-control switches for the falsification suite (package
 * {@code io.github.redlock.safety}); not part of the API. Each makes the protocol skip a step it
 * needs, so that a test can show the contract breaking without it.
 */
public final class FencingTestSwitches {

    private FencingTestSwitches() {
    }

    /** Tokens are handed out after the mint, without the write-back to a quorum (phase 2). */
    public static Redlock.Builder skipWriteBack(Redlock.Builder builder) {
        return builder.fencingFaults(EnumSet.of(FencingFault.SKIP_WRITE_BACK));
    }

    /** Nodes mint {@code counter + 1} without the node-time floor, also after losing their counter. */
    public static Redlock.Builder noTimeFloor(Redlock.Builder builder) {
        return builder.fencingFaults(EnumSet.of(FencingFault.NO_TIME_FLOOR));
    }
}
