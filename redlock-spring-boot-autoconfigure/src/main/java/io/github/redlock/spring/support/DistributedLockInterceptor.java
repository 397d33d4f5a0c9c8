package io.github.redlock.spring.support;

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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
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
public final class DistributedLockInterceptor implements MethodInterceptor {

    private static final Log LOG = LogFactory.getLog(DistributedLockInterceptor.class);

    private final DistributedLockOperationSource operations;
    private final Supplier<@Nullable Redlock> redlock;
    private final Supplier<DistributedLockListener> listener;
    private final Duration defaultTtl;
    private final @Nullable BeanResolver beanResolver;
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
        ResultType resultType = operation.resultType();
        if (resultType.kind() == ResultType.Kind.REACTIVE) {
            return ReactiveResults.locked(resultType.adapter(), () -> acquireAsync(invocation, operation), invocation::proceed);
        }
        HeldLock held;
        try {
            held = acquire(invocation, operation);
        } catch (RuntimeException e) {
            return resultType.failed(e);
        }
        if (held == null) {
            return resultType.skipped();
        }
        if (resultType.kind() == ResultType.Kind.STAGE) {
            return proceedUntilComplete(invocation, held);
        }
        try {
            return invocation.proceed();
        } finally {
            held.finish();
        }
    }

    /**
     * Takes the lock, blocking the calling thread. Returns null when the call is to be skipped;
     * throws when it is to fail (under {@code THROW}, or when the resource cannot be evaluated).
     */
    private @Nullable HeldLock acquire(MethodInvocation invocation, LockOperation operation) {
        Attempt attempt = new Attempt(operation);
        String key = attempt.resolveKey(invocation);
        Redlock engine = redlock.get();
        if (engine == null) {
            return attempt.withoutRedlock(key);
        }
        LockResult result;
        try {
            result = engine.tryLock(attempt.request(key));
        } catch (RuntimeException e) {
            return attempt.failedWithError(key, e);
        }
        return attempt.decide(engine, result);
    }

    /**
     * As {@link #acquire}, without blocking: the future completes with null to skip, or fails to
     * fail. Cancelling it cancels the attempt; a lock granted all the same is released at once.
     */
    private CompletableFuture<@Nullable HeldLock> acquireAsync(MethodInvocation invocation, LockOperation operation) {
        Attempt attempt;
        String key;
        Redlock engine;
        try {
            attempt = new Attempt(operation);
            key = attempt.resolveKey(invocation);
            engine = redlock.get();
            if (engine == null) {
                return CompletableFuture.completedFuture(attempt.withoutRedlock(key));
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<LockResult> locking = engine.tryLockAsync(attempt.request(key)).toCompletableFuture();
        CompletableFuture<@Nullable HeldLock> held = new CompletableFuture<>();
        locking.whenComplete((result, error) -> {
            if (held.isDone()) {
                return; // cancelled: the engine releases a lease it could no longer hand over
            }
            HeldLock lock;
            try {
                lock = error != null ? attempt.failedWithError(key, unwrap(error)) : attempt.decide(engine, result);
            } catch (RuntimeException e) {
                held.completeExceptionally(e);
                return;
            }
            if (!held.complete(lock) && lock != null) {
                lock.finishAsync(); // cancelled in between
            }
        });
        held.whenComplete((lock, error) -> {
            if (held.isCancelled()) {
                locking.cancel(false);
            }
        });
        return held;
    }

    /**
     * Runs a method that returns a {@link CompletionStage}; the lock is held until that stage
     * completes. The returned future completes after the release was answered. Cancelling it
     * does not end the lock early: a cancelled {@code CompletableFuture} does not stop the work
     * behind it, so the lock lasts until the method's own stage completes.
     */
    private @Nullable Object proceedUntilComplete(MethodInvocation invocation, HeldLock held) throws Throwable {
        Object result;
        try {
            result = invocation.proceed();
        } catch (Throwable e) {
            held.finish();
            throw e;
        }
        if (!(result instanceof CompletionStage<?> stage)) {
            held.finish();
            return result;
        }
        CompletableFuture<@Nullable Object> returned = new CompletableFuture<>();
        stage.whenComplete((value, error) -> held.finishAsync().whenComplete((ignored, never) -> {
            if (error != null) {
                returned.completeExceptionally(error);
            } else {
                returned.complete(value);
            }
        }));
        return returned;
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
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

    /** One call's attempt to take its lock: what it reports to the listeners and what it returns. */
    private final class Attempt {

        private final LockOperation operation;
        private final DistributedLockListener listener = DistributedLockInterceptor.this.listener.get();
        private final long start = System.nanoTime();
        private final Duration ttl;
        private final Duration minHold;

        Attempt(LockOperation operation) {
            this.operation = operation;
            this.ttl = operation.ttl() != null ? operation.ttl() : defaultTtl;
            this.minHold = minHold(operation, ttl);
        }

        String resolveKey(MethodInvocation invocation) {
            try {
                return operation.resolveKey(invocation.getArguments(), invocation.getThis(), beanResolver);
            } catch (RuntimeException e) {
                listener.notAcquired(operation.resource(), FailureReason.ERROR, since(start));
                throw e;
            }
        }

        LockRequest request(String key) {
            // A scheduled tick held by another instance is theirs: retrying could only run it twice.
            boolean retryWhenHeld = !operation.isScheduled() || !operation.waitTime().isZero();
            return LockRequest.of(key, ttl).withWaitTime(operation.waitTime()).withRetryWhenHeld(retryWhenHeld);
        }

        @Nullable HeldLock decide(Redlock engine, LockResult result) {
            if (!result.isAcquired()) {
                listener.notAcquired(operation.resource(), FailureReason.of(result.failure()), since(start));
                return notAcquired(result);
            }
            listener.acquired(operation.resource(), since(start));
            return new HeldLock(operation, engine, result.leaseOrThrow(), ttl, minHold, listener);
        }

        private @Nullable HeldLock notAcquired(LockResult result) {
            if (operation.policy() == LockFailurePolicy.THROW) {
                throw new LockNotAcquiredException(result.resource(), result.failure(), result.nodes());
            }
            if (result.failure() == LockFailure.CONTENDED) {
                if (LOG.isDebugEnabled()) {
                    LOG.debug("Skipped " + operation.description() + ": the lock on '" + result.resource()
                            + "' is held elsewhere");
                }
            } else {
                LOG.warn("Skipped " + operation.description() + ": " + result);
            }
            return null;
        }

        @Nullable HeldLock failedWithError(String key, Throwable error) {
            listener.notAcquired(operation.resource(), FailureReason.ERROR, since(start));
            if (operation.policy() == LockFailurePolicy.THROW) {
                throw error instanceof RuntimeException runtime ? runtime : new IllegalStateException(error);
            }
            LOG.warn("Skipped " + operation.description() + ": locking '" + key + "' failed", error);
            return null;
        }

        @Nullable HeldLock withoutRedlock(String key) {
            listener.notAcquired(operation.resource(), FailureReason.UNAVAILABLE, since(start));
            if (warnedWithoutRedlock.add(operation.method())) {
                LOG.warn("No Redlock is configured (set redlock.servers, or define one Redlock bean, or mark one"
                        + " @Primary): @DistributedLock method " + operation.description() + " is "
                        + (operation.policy() == LockFailurePolicy.THROW ? "failing" : "skipped")
                        + " on every call; it never runs without its lock");
            }
            if (operation.policy() == LockFailurePolicy.THROW) {
                throw new LockNotAcquiredException(key, LockFailure.UNAVAILABLE, List.of());
            }
            return null;
        }
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
