package io.github.redlock;

/** Why a lock was not acquired, judged from the last attempt. */
public enum LockFailure {
    /** Enough nodes answered, and too many of them hold the lock for another client. */
    CONTENDED,
    /** Too few nodes answered (errors, timeouts, not connected) to reach a quorum. */
    UNAVAILABLE,
    /** A quorum granted the lock, but the attempt took so long that no validity was left. */
    VALIDITY_EXPIRED,
    /** The calling thread was interrupted while waiting; nothing is left held. */
    INTERRUPTED
}
