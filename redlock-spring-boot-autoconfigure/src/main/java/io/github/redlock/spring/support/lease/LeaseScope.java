package io.github.redlock.spring.support.lease;

import io.github.redlock.Lease;
import org.jspecify.annotations.Nullable;

/**
 * Not API: where the advice keeps the lease of the {@code @DistributedLock} method running on a
 * thread, for {@link io.github.redlock.spring.LockContext}, which is the public view. A package of
 * its own, so that the public view and the advice both use it without a package cycle.
 */
public final class LeaseScope {

    /** The Reactor context key of {@link io.github.redlock.spring.LockContext#LEASE_KEY}. */
    public static final String CONTEXT_KEY = "io.github.redlock.spring.LockContext.lease";

    private static final ThreadLocal<@Nullable Lease> CURRENT = new ThreadLocal<>();

    private LeaseScope() {
    }

    /** The lease of the innermost locked method running on this thread, or null. */
    public static @Nullable Lease current() {
        return CURRENT.get();
    }

    /** A call that may throw anything, as a method invocation does. */
    public interface Call {
        @Nullable Object proceed() throws Throwable;
    }

    /** Runs {@code call} with {@code lease} as the thread's current lease, then restores the one before. */
    public static @Nullable Object with(Lease lease, Call call) throws Throwable {
        Lease before = CURRENT.get();
        CURRENT.set(lease);
        try {
            return call.proceed();
        } finally {
            if (before != null) {
                CURRENT.set(before);
            } else {
                CURRENT.remove();
            }
        }
    }
}
