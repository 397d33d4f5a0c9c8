package io.github.redlock;

/**
 * Faults the fencing protocol can be told to make, for tests only: the falsification suite's negative
 * controls switch one on and must then see the contract break. Never public, never set outside tests
 * (see {@link RedlockOptions.Settings#fencingFaults(java.util.Set)}).
 */
enum FencingFault {
    /** Hands the token out after the mint (phase 1), without writing it back to a quorum (phase 2). */
    SKIP_WRITE_BACK,
    /** Mints {@code counter + 1} without the node-time floor, also on a node that lost its counter. */
    NO_TIME_FLOOR
}
