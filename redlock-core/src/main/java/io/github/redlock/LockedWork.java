package io.github.redlock;

import org.jspecify.annotations.Nullable;

/**
 * Work to run under a lock, given the lease it runs under: for {@link Redlock#execute} and
 * {@link Redlock#executeAsync}.
 *
 * @param <T> what the work returns
 * @param <E> what it may throw; a lambda that throws nothing checked infers {@link RuntimeException}
 */
@FunctionalInterface
public interface LockedWork<T extends @Nullable Object, E extends Throwable> {

    /**
     * Runs the work while the lock is held.
     *
     * @param lease the lock it runs under: {@link Lease#remaining()} says how long it is still valid,
     *        {@link Lease#lost()} completes if a kept-alive lock is lost meanwhile; do not release it,
     *        the caller of the work does
     */
    T run(Lease lease) throws E;
}
