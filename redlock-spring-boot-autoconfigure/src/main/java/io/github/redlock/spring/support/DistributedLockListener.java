package io.github.redlock.spring.support;

import io.github.redlock.LockFailure;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Told what {@link io.github.redlock.spring.DistributedLock} methods do with their locks; the
 * Micrometer meters are one implementation. Every {@code resource} argument is the annotation's
 * {@code resource} attribute <em>as written</em> (for example {@code "invoice:#{#invoice.id}"}),
 * never the evaluated key, so it is safe as a low-cardinality tag.
 *
 * <p>Methods are called on the thread running the locked method and must return quickly and not
 * throw. Every bean of this type in the context is called, in {@code @Order}.
 */
public interface DistributedLockListener {

    /** The lock was acquired after {@code latency}. */
    default void acquired(String resource, Duration latency) {
    }

    /** The lock was not acquired after {@code latency}; the method did not run. */
    default void notAcquired(String resource, FailureReason reason, Duration latency) {
    }

    /**
     * The lock was not even asked of the engine (the resource could not be evaluated, no Redlock is
     * configured, or the engine refused the call); the method did not run. By default the same as
     * {@link #notAcquired}: only listeners that also see the engine's own reports (as the Micrometer
     * meters do, through {@link io.github.redlock.RedlockListener}) need to tell the two apart.
     */
    default void notAttempted(String resource, FailureReason reason, Duration latency) {
        notAcquired(resource, reason, latency);
    }

    /**
     * The method starts running under the lock; the returned callback is run when it returns or throws.
     */
    default Runnable running(String resource) {
        return () -> { };
    }

    /**
     * The method returned after the lock's validity had run out: another instance may have run at
     * the same time. The TTL is too short for this method (or auto-extend failed).
     */
    default void expired(String resource) {
    }

    /**
     * One listener that calls {@code listeners} in order; one that throws is logged and neither
     * stops the others nor disturbs the locked call (so a lock is always released).
     */
    static DistributedLockListener composite(List<DistributedLockListener> listeners) {
        return new CompositeDistributedLockListener(List.copyOf(listeners));
    }

    /** Why a lock was not acquired, as reported to listeners and in the {@code reason} tag. */
    enum FailureReason {
        /** Another client holds the lock. */
        CONTENDED,
        /** Too few nodes answered in time, the validity ran out while acquiring, or no Redlock is configured. */
        UNAVAILABLE,
        /** The attempt failed with an exception or was interrupted, or the resource could not be evaluated. */
        ERROR;

        /** The lower-case tag value: {@code contended}, {@code unavailable} or {@code error}. */
        public String tagValue() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Maps the engine's failure to a reason. */
        public static FailureReason of(LockFailure failure) {
            return switch (failure) {
                case CONTENDED -> CONTENDED;
                case UNAVAILABLE, VALIDITY_EXPIRED -> UNAVAILABLE;
                case INTERRUPTED -> ERROR;
            };
        }
    }
}
