package io.github.redlock.spring;

/**
 * What a {@link DistributedLock} method does when the lock cannot be acquired (held elsewhere, too
 * few Redis nodes answering, or an engine error). In no case does the method run without the lock.
 */
public enum LockFailurePolicy {

    /**
     * Return without running the method: {@code void} methods return normally, methods returning
     * {@link java.util.Optional} return {@code Optional.empty()}, other reference types return
     * {@code null}. Methods returning a primitive type cannot be skipped and are rejected at startup.
     */
    SKIP,

    /**
     * Throw {@link io.github.redlock.LockNotAcquiredException}, naming the resource, the reason and
     * each node's outcome (or rethrow the engine's exception when the attempt itself failed).
     */
    THROW
}
