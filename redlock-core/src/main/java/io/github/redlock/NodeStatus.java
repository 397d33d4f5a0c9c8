package io.github.redlock;

/** What one Redis node did during a lock attempt. */
public enum NodeStatus {
    /** The node granted the lock (or released or extended it). */
    OK,
    /** The node answered, but the key holds another client's value. */
    HELD_BY_OTHER,
    /** The node answered with an error or could not be reached. */
    ERROR,
    /** The node gave no answer within the per-node timeout. */
    TIMEOUT
}
