package io.github.redlock.spring.support;

import io.github.redlock.LockFailure;
import io.github.redlock.LockNotAcquiredException;
import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.Redlock;
import io.github.redlock.spring.LockFailurePolicy;
import io.github.redlock.spring.observation.LockObservationContext;
import io.github.redlock.spring.observation.LockObservations;
import io.github.redlock.spring.support.DistributedLockListener.FailureReason;
import io.micrometer.observation.Observation;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
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
import org.springframework.util.function.SingletonSupplier;

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
    private final Supplier<LockObservations> observations;
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
        this(operations, redlock, listener, LockObservations::none, defaultTtl, beanFactory);
    }

    /**
     * As {@link #DistributedLockInterceptor(DistributedLockOperationSource, Supplier, Supplier, Duration, BeanFactory)},
     * observing each call's acquisition and held section.
     *
     * @param observations looked up on first use
     */
    public DistributedLockInterceptor(DistributedLockOperationSource operations, Supplier<@Nullable Redlock> redlock,
            Supplier<DistributedLockListener> listener, Supplier<LockObservations> observations, Duration defaultTtl,
            @Nullable BeanFactory beanFactory) {
        this.operations = operations;
        this.redlock = redlock;
        this.listener = listener;
        this.observations = SingletonSupplier.of(observations);
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
            return ReactiveResults.locked(resultType.adapter(), parent -> acquireAsync(invocation, operation, parent),
                    invocation::proceed);
        }
        LockedInvocation held;
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
            return held.proceedInScope(invocation);
        } catch (Throwable e) {
            held.failed(e);
            throw e;
        } finally {
            held.finish();
        }
    }

    /**
     * Takes the lock, blocking the calling thread. Returns null when the call is to be skipped;
     * throws when it is to fail (under {@code THROW}, or when the resource cannot be evaluated).
     */
    private @Nullable LockedInvocation acquire(MethodInvocation invocation, LockOperation operation) {
        Attempt attempt = new Attempt(operation, null);
        String key = attempt.resolveKey(invocation);
        Redlock engine;
        try {
            engine = redlock.get();
        } catch (RuntimeException e) {
            return attempt.failedWithError(key, e);
        }
        if (engine == null) {
            return attempt.withoutRedlock(key);
        }
        LockResult result;
        try {
            result = Observed.scoped(attempt.observations.registry(), attempt.observation,
                    () -> engine.tryLock(attempt.request(key)));
        } catch (RuntimeException e) {
            return attempt.failedWithError(key, e);
        }
        return attempt.decide(engine, result);
    }

    /**
     * As {@link #acquire}, without blocking: the future completes with null to skip, or fails to
     * fail. Cancelling it cancels the attempt; a lock granted all the same is released at once.
     *
     * @param parent the subscriber's observation, when its Reactor context has one
     */
    private CompletableFuture<@Nullable LockedInvocation> acquireAsync(MethodInvocation invocation, LockOperation operation,
            @Nullable Observation parent) {
        Attempt attempt;
        String key;
        try {
            attempt = new Attempt(operation, parent);
            key = attempt.resolveKey(invocation);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        Redlock engine;
        try {
            engine = redlock.get();
        } catch (RuntimeException e) {
            return failedAsync(attempt, key, e);
        }
        if (engine == null) {
            try {
                return CompletableFuture.completedFuture(attempt.withoutRedlock(key));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        CompletableFuture<LockResult> locking;
        try {
            locking = Observed.scoped(attempt.observations.registry(), attempt.observation,
                    () -> engine.tryLockAsync(attempt.request(key)).toCompletableFuture());
        } catch (RuntimeException e) {
            return failedAsync(attempt, key, e);
        }
        CompletableFuture<@Nullable LockedInvocation> held = new CompletableFuture<>();
        locking.whenComplete((result, error) -> {
            if (held.isDone()) {
                attempt.observed("interrupted", null);
                if (error == null && result.isAcquired()) {
                    // Granted before the cancel reached the engine: nobody else will release it.
                    result.leaseOrThrow().releaseAsync();
                }
                return; // cancelled: the engine releases a lease it could no longer hand over
            }
            LockedInvocation lock;
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
    private @Nullable Object proceedUntilComplete(MethodInvocation invocation, LockedInvocation held) throws Throwable {
        Object result;
        try {
            result = invocation.proceed();
        } catch (Throwable e) {
            held.failed(e);
            held.finish();
            throw e;
        }
        if (!(result instanceof CompletionStage<?> stage)) {
            held.finish();
            return result;
        }
        CompletableFuture<@Nullable Object> returned = new CompletableFuture<>();
        stage.whenComplete((value, error) -> {
            if (error != null) {
                held.failed(unwrap(error));
            }
            held.finishAsync().whenComplete((ignored, never) -> {
                if (error != null) {
                    returned.completeExceptionally(error);
                } else {
                    returned.complete(value);
                }
            });
        });
        return returned;
    }

    private static CompletableFuture<@Nullable LockedInvocation> failedAsync(Attempt attempt, String key, RuntimeException e) {
        try {
            return CompletableFuture.completedFuture(attempt.failedWithError(key, e));
        } catch (RuntimeException thrown) {
            return CompletableFuture.failedFuture(thrown);
        }
    }

    /** The cause a {@link CompletionException} wraps, or {@code error} itself. */
    static Throwable unwrap(Throwable error) {
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

    /**
     * One call's attempt to take its lock: what it reports to the listeners and observations, and
     * what it returns. Its {@code redlock.lock.acquire} observation starts with it.
     */
    private final class Attempt {

        private final LockOperation operation;
        private final DistributedLockListener listener = DistributedLockInterceptor.this.listener.get();
        final LockObservations observations = DistributedLockInterceptor.this.observations.get();
        private final long start = System.nanoTime();
        private final Duration ttl;
        private final Duration minHold;
        private final @Nullable Observation parent;
        private final LockObservationContext context;
        final Observation observation;

        /** @param parent the observation to report under; null for the current one */
        Attempt(LockOperation operation, @Nullable Observation parent) {
            this.operation = operation;
            this.ttl = operation.ttl() != null ? operation.ttl() : defaultTtl;
            this.minHold = minHold(operation, ttl);
            this.parent = parent != null ? parent : observations.registry().getCurrentObservation();
            this.context = newContext();
            this.observation = Observed.start(() -> observations.acquire(context).parentObservation(this.parent));
        }

        private LockObservationContext newContext() {
            return new LockObservationContext(operation.resource(), operation.policy().name().toLowerCase(Locale.ROOT));
        }

        String resolveKey(MethodInvocation invocation) {
            try {
                return operation.resolveKey(invocation.getArguments(), invocation.getThis(), beanResolver);
            } catch (RuntimeException e) {
                listener.notAttempted(operation.resource(), FailureReason.ERROR, since(start));
                observed("error", e);
                throw e;
            }
        }

        LockRequest request(String key) {
            // A scheduled tick held by another instance is theirs: retrying could only run it twice.
            boolean retryWhenHeld = !operation.isScheduled() || !operation.waitTime().isZero();
            return LockRequest.of(key, ttl).withWaitTime(operation.waitTime()).withRetryWhenHeld(retryWhenHeld)
                    .withName(operation.resource()).withMinimumHold(minHold)
                    // autoExtend: the lease renews itself until released, on the engine's threads.
                    .withKeepAlive(operation.autoExtend() && ttl.toMillis() >= 3);
        }

        @Nullable LockedInvocation decide(Redlock engine, LockResult result) {
            context.setResult(result);
            Observed.stop(observation);
            if (!result.isAcquired()) {
                listener.notAcquired(operation.resource(), FailureReason.of(result.failure()), since(start));
                return notAcquired(result);
            }
            listener.acquired(operation.resource(), since(start));
            Observation hold = Observed.start(() -> observations.hold(newContext()).parentObservation(parent));
            return new LockedInvocation(operation, result.leaseOrThrow(), ttl, listener, observations.registry(), hold);
        }

        void observed(String outcome, @Nullable Throwable error) {
            context.setOutcome(outcome);
            if (error != null) {
                Observed.error(observation, error);
            }
            Observed.stop(observation);
        }

        private @Nullable LockedInvocation notAcquired(LockResult result) {
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

        @Nullable LockedInvocation failedWithError(String key, Throwable error) {
            listener.notAttempted(operation.resource(), FailureReason.ERROR, since(start));
            observed("error", error);
            if (operation.policy() == LockFailurePolicy.THROW) {
                throw error instanceof RuntimeException runtime ? runtime : new IllegalStateException(error);
            }
            LOG.warn("Skipped " + operation.description() + ": locking '" + key + "' failed", error);
            return null;
        }

        @Nullable LockedInvocation withoutRedlock(String key) {
            listener.notAttempted(operation.resource(), FailureReason.UNAVAILABLE, since(start));
            observed("unavailable", null);
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
