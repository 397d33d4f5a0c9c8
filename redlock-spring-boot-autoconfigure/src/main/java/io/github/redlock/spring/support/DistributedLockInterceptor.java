package io.github.redlock.spring.support;

import io.github.redlock.Lease;
import io.github.redlock.LockFailure;
import io.github.redlock.LockNotAcquiredException;
import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.Redlock;
import io.github.redlock.spring.LockFailurePolicy;
import io.github.redlock.spring.support.DistributedLockListener.FailureReason;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.expression.BeanResolver;

/**
 * Runs {@code @DistributedLock} methods under their lock: acquire, run, then release in
 * {@code finally} (or keep until the minimum hold time has passed). When the lock is not acquired
 * the method is never run: the call is skipped or throws, by the method's policy.
 */
public final class DistributedLockInterceptor implements MethodInterceptor, AutoCloseable {

    private static final Log LOG = LogFactory.getLog(DistributedLockInterceptor.class);

    private final DistributedLockOperationSource operations;
    private final Supplier<@Nullable Redlock> redlock;
    private final Supplier<DistributedLockListener> listener;
    private final Duration defaultTtl;
    private final @Nullable BeanResolver beanResolver;
    private final LeaseRenewer renewer = new LeaseRenewer();
    private final SchedulerClocks clocks;
    private final Set<Method> warnedWithoutRedlock = ConcurrentHashMap.newKeySet();

    /**
     * @param operations the annotated methods
     * @param redlock the engine, looked up on each call until found; null when none is configured
     * @param listener told about every attempt (metrics)
     * @param defaultTtl the TTL of methods that set none
     * @param beanFactory resolves {@code @bean} references in resource templates, or null
     */
    public DistributedLockInterceptor(DistributedLockOperationSource operations, Supplier<@Nullable Redlock> redlock,
            Supplier<DistributedLockListener> listener, Duration defaultTtl, @Nullable BeanFactory beanFactory) {
        this.operations = operations;
        this.redlock = redlock;
        this.listener = listener;
        this.defaultTtl = defaultTtl;
        this.beanResolver = beanFactory != null ? new BeanFactoryResolver(beanFactory) : null;
        this.clocks = new SchedulerClocks(beanFactory);
    }

    @Override
    public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
        Object target = invocation.getThis();
        Class<?> targetClass = target != null ? AopUtils.getTargetClass(target) : null;
        LockOperation operation = operations.operation(invocation.getMethod(), targetClass);
        if (operation == null) {
            return invocation.proceed();
        }
        DistributedLockListener listener = this.listener.get();
        long start = System.nanoTime();
        String key;
        try {
            key = operation.resolveKey(invocation.getArguments(), target, beanResolver);
        } catch (RuntimeException e) {
            listener.notAcquired(operation.resource(), FailureReason.ERROR, since(start));
            throw e;
        }
        Redlock engine = redlock.get();
        if (engine == null) {
            listener.notAcquired(operation.resource(), FailureReason.UNAVAILABLE, since(start));
            return withoutRedlock(operation, key);
        }
        Duration ttl = operation.ttl() != null ? operation.ttl() : defaultTtl;
        Duration minHold = minHold(operation, ttl);
        LockResult result;
        try {
            // A scheduled tick held by another instance is theirs: retrying could only run it twice.
            boolean retryWhenHeld = !operation.isScheduled() || !operation.waitTime().isZero();
            result = engine.tryLock(LockRequest.of(key, ttl).withWaitTime(operation.waitTime())
                    .withRetryWhenHeld(retryWhenHeld));
        } catch (RuntimeException e) {
            listener.notAcquired(operation.resource(), FailureReason.ERROR, since(start));
            return failedWithError(operation, key, e);
        }
        if (!result.isAcquired()) {
            listener.notAcquired(operation.resource(), FailureReason.of(result.failure()), since(start));
            return notAcquired(operation, result);
        }
        listener.acquired(operation.resource(), since(start));
        return proceedLocked(invocation, operation, engine, result.leaseOrThrow(), ttl, minHold, listener);
    }

    /**
     * The explicit minimum hold; or, for a scheduled method, half the time to its next tick by its
     * scheduler's clock, read when the tick fires; otherwise none. Never longer than the TTL.
     */
    private Duration minHold(LockOperation operation, Duration ttl) {
        Duration explicit = operation.minHoldTime();
        if (explicit != null) {
            return explicit;
        }
        ScheduledHold schedule = operation.schedule();
        if (schedule == null) {
            return Duration.ZERO;
        }
        Duration hold = schedule.holdAt(clocks.clock(schedule.scheduler()).instant());
        return hold.compareTo(ttl) < 0 ? hold : ttl;
    }

    private @Nullable Object proceedLocked(MethodInvocation invocation, LockOperation operation, Redlock engine, Lease lease,
            Duration ttl, Duration minHold, DistributedLockListener listener) throws Throwable {
        AtomicReference<Lease> current = new AtomicReference<>(lease);
        LeaseRenewer.Renewal renewal = null;
        Runnable running = null;
        try {
            if (operation.autoExtend()) {
                renewal = renewer.start(engine, current, ttl, operation.description());
            }
            running = listener.running(operation.resource());
            return invocation.proceed();
        } finally {
            if (renewal != null) {
                renewal.stop();
            }
            if (running != null) {
                running.run();
            }
            finish(operation, engine, Objects.requireNonNull(current.get()), ttl, minHold, listener);
        }
    }

    /** Releases the lease, or keeps it until the minimum hold is over; reports a lease that ran out. Never throws. */
    private void finish(LockOperation operation, Redlock engine, Lease lease, Duration ttl, Duration minHold,
            DistributedLockListener listener) {
        try {
            if (!lease.isValid()) {
                LOG.warn("@DistributedLock method " + operation.description() + " ran longer than its lock on '"
                        + lease.resource() + "' was valid (ttl " + ttl.toMillis() + " ms): another instance may have run"
                        + " at the same time. Increase ttl, or set autoExtend = true.");
                listener.expired(operation.resource());
                engine.release(lease);
                return;
            }
            if (!engine.release(lease, minHold) && LOG.isDebugEnabled()) {
                LOG.debug("The lock on '" + lease.resource() + "' was not confirmed released (or kept for its minimum hold)"
                        + " by a quorum of nodes; it expires with its TTL");
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not release the lock on '" + lease.resource() + "' of " + operation.description()
                    + "; it expires with its TTL", e);
        }
    }

    private @Nullable Object notAcquired(LockOperation operation, LockResult result) {
        if (operation.policy() == LockFailurePolicy.THROW) {
            throw new LockNotAcquiredException(result.resource(), result.failure(), result.nodes());
        }
        if (result.failure() == LockFailure.CONTENDED) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("Skipped " + operation.description() + ": the lock on '" + result.resource() + "' is held elsewhere");
            }
        } else {
            LOG.warn("Skipped " + operation.description() + ": " + result);
        }
        return operation.skipValue();
    }

    private @Nullable Object failedWithError(LockOperation operation, String key, RuntimeException error) {
        if (operation.policy() == LockFailurePolicy.THROW) {
            throw error;
        }
        LOG.warn("Skipped " + operation.description() + ": locking '" + key + "' failed", error);
        return operation.skipValue();
    }

    private @Nullable Object withoutRedlock(LockOperation operation, String key) {
        if (warnedWithoutRedlock.add(operation.method())) {
            LOG.warn("No Redlock is configured (set redlock.servers, or define one Redlock bean, or mark one @Primary):"
                    + " @DistributedLock method "
                    + operation.description() + " is " + (operation.policy() == LockFailurePolicy.THROW ? "failing" : "skipped")
                    + " on every call; it never runs without its lock");
        }
        if (operation.policy() == LockFailurePolicy.THROW) {
            throw new LockNotAcquiredException(key, LockFailure.UNAVAILABLE, List.of());
        }
        return operation.skipValue();
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Stops the renewal thread. */
    @Override
    public void close() {
        renewer.close();
    }
}
