package io.github.redlock.spring.support;

import io.github.redlock.Lease;
import io.github.redlock.spring.support.lease.LeaseScope;
import io.github.redlock.LockFailure;
import io.github.redlock.LockNotAcquiredException;
import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.LockedCall;
import io.github.redlock.NodeStatus;
import io.github.redlock.Redlock;
import io.github.redlock.RedlockListener;
import io.github.redlock.spring.LockFailurePolicy;
import io.micrometer.observation.ObservationRegistry;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.interceptor.ExposeInvocationInterceptor;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.expression.BeanResolver;
import org.springframework.util.function.SingletonSupplier;

/**
 * Runs {@code @DistributedLock} methods under their lock, through the engine's locked call
 * ({@link Redlock#execute}, {@link Redlock#executeAsync}): the method runs only once its lock was
 * acquired with validity left, and its lock ends as the annotation says (released, kept for its
 * minimum hold, renewed meanwhile for {@code autoExtend}). This class only translates: it resolves
 * the key, applies the {@code @Scheduled} defaults, adapts the return type, re-enters a lock its own
 * call chain holds, and skips or throws when the lock is not acquired. Telemetry comes from the
 * engine's {@link RedlockListener}s.
 */
public final class DistributedLockInterceptor implements MethodInterceptor {

    private static final Log LOG = LogFactory.getLog(DistributedLockInterceptor.class);

    private final DistributedLockOperationSource operations;
    private final Supplier<@Nullable Redlock> redlock;
    private final Supplier<RedlockListener> listener;
    private final Supplier<ObservationRegistry> observations;
    private final Duration defaultTtl;
    private final @Nullable BeanResolver beanResolver;
    private final SchedulerClocks clocks;
    private final Set<Method> warnedWithoutRedlock = ConcurrentHashMap.newKeySet();
    /** The engines whose quorum is lost, as calls skipped for want of answers found: logged once on loss, once on return. */
    private final Set<Redlock> quorumLost = ConcurrentHashMap.newKeySet();

    /**
     * @param operations the annotated methods
     * @param redlock the engine, looked up on each call until found; null when none is configured
     * @param listener told of calls that never reach an engine (the resource cannot be evaluated, or
     *        there is no Redlock); the engine tells its own listeners of everything else
     * @param observations where a reactive subscriber's current observation is made current while its
     *        lock call starts, so that the engine's observations are its children; looked up on first use
     * @param defaultTtl the TTL of methods that set none
     * @param beanFactory resolves {@code @bean} references in resource templates, or null
     */
    public DistributedLockInterceptor(DistributedLockOperationSource operations, Supplier<@Nullable Redlock> redlock,
            Supplier<RedlockListener> listener, Supplier<ObservationRegistry> observations, Duration defaultTtl,
            @Nullable BeanFactory beanFactory) {
        this.operations = operations;
        this.redlock = redlock;
        this.listener = SingletonSupplier.of(listener);
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
        Call call;
        try {
            call = new Call(operation, invocation);
        } catch (RuntimeException e) {
            return resultType.failed(e); // the resource could not be evaluated: reported, never run unlocked
        }
        if (call.engine == null) {
            return withoutRedlock(call);
        }
        return switch (resultType.kind()) {
            case VALUE -> call.runValue(invocation);
            case STAGE -> call.runStage(invocation);
            case REACTIVE -> ReactiveResults.locked(call, resultType.adapter(), perSubscription(invocation),
                    observations.get());
        };
    }

    /**
     * Each subscription of a reactive result is a full advised call: it runs the rest of the advice
     * chain (advice ordered inside the lock, such as transactions or caching) on a fresh copy of the
     * invocation, as Spring Retry does for each retry.
     */
    private static HeldKeys.Call perSubscription(MethodInvocation invocation) {
        if (invocation instanceof ProxyMethodInvocation proxied) {
            MethodInvocation base = proxied.invocableClone();
            // Exposed while it runs (later, maybe on another thread), as AspectJ advice inside the lock expects.
            return () -> ExposeInvocationInterceptor.INSTANCE.invoke(((ProxyMethodInvocation) base).invocableClone());
        }
        return invocation::proceed;
    }

    private @Nullable Object withoutRedlock(Call call) {
        LockOperation operation = call.operation;
        call.notAttempted(null);
        if (warnedWithoutRedlock.add(operation.method())) {
            LOG.warn("No Redlock is configured (set redlock.servers, or define one Redlock bean, or mark one"
                    + " @Primary): @DistributedLock method " + operation.description() + " is "
                    + (operation.policy() == LockFailurePolicy.THROW ? "failing" : "skipped")
                    + " on every call; it never runs without its lock");
        }
        if (operation.policy() == LockFailurePolicy.THROW) {
            return operation.resultType().failed(new LockNotAcquiredException(call.key, LockFailure.UNAVAILABLE, List.of()));
        }
        return operation.resultType().skipped();
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

    /** One call of a {@code @DistributedLock} method: its key, its engine, its lock request. */
    final class Call {

        final LockOperation operation;
        final String key;
        final @Nullable Redlock engine;
        private final LockRequest request;

        /**
         * @throws RuntimeException when the resource cannot be evaluated, the Redlock cannot be looked
         *         up, or the key is not a valid lock resource (reported as not attempted)
         */
        Call(LockOperation operation, MethodInvocation invocation) {
            this.operation = operation;
            try {
                this.key = operation.resolveKey(invocation.getArguments(), invocation.getThis(), beanResolver);
                this.engine = redlock.get();
                Duration ttl = operation.ttl() != null ? operation.ttl() : defaultTtl;
                // A scheduled tick held by another instance is theirs: retrying could only run it twice.
                boolean retryWhenHeld = !operation.isScheduled() || !operation.waitTime().isZero();
                LockRequest request = LockRequest.of(key, ttl).withWaitTime(operation.waitTime()).withRetryWhenHeld(retryWhenHeld)
                        .withName(operation.resource()).withTag("policy", policyTag(operation))
                        .withMinimumHold(minHold(operation, ttl)).withKeepAlive(operation.autoExtend())
                        .withReleaseOnCancel(operation.releaseOnCancel());
                this.request = operation.fenced() ? request.withFencing() : request;
            } catch (RuntimeException e) {
                notAttempted(e);
                throw e;
            }
        }

        /**
         * The engine failed the call before the method ran (it was closed, say): reported as not
         * attempted; under {@code THROW} the error is what the call ends with (returned: true),
         * otherwise the call is skipped with a warning (returned: false).
         */
        boolean engineFailed(RuntimeException error) {
            notAttempted(error);
            if (operation.policy() == LockFailurePolicy.THROW) {
                return true;
            }
            LOG.warn("Skipped " + operation.description() + ": locking '" + key + "' failed", error);
            return false;
        }

        private @Nullable Object engineFailure(RuntimeException error) {
            return engineFailed(error) ? operation.resultType().failed(error) : operation.resultType().skipped();
        }

        /** The request for this call: re-entering {@code held} when the call chain holds the key already. */
        LockRequest request(@Nullable Lease held) {
            return held != null ? request.reentering(held) : request;
        }

        HeldKeys.Key heldKey() {
            return new HeldKeys.Key(engine(), key);
        }

        Redlock engine() {
            Redlock found = engine;
            if (found == null) {
                throw new IllegalStateException("no Redlock");
            }
            return found;
        }

        @Nullable Object runValue(MethodInvocation invocation) throws Throwable {
            HeldKeys.Key held = heldKey();
            AtomicBoolean started = new AtomicBoolean();
            LockedCall<Returned> call;
            try {
                call = engine().execute(request(HeldKeys.onThread(held)), lease -> {
                    started.set(true);
                    return new Returned(underLock(held, lease, invocation::proceed));
                });
            } catch (RuntimeException e) {
                if (started.get()) {
                    throw e; // the method's own
                }
                return engineFailure(e);
            }
            return call.ran() ? call.value().map(Returned::value).orElse(null) : notAcquired(call.lockResult());
        }

        @Nullable Object runStage(MethodInvocation invocation) throws Throwable {
            HeldKeys.Key held = heldKey();
            AtomicBoolean started = new AtomicBoolean();
            AtomicReference<@Nullable CompletableFuture<?>> methodStage = new AtomicReference<>();
            CompletionStage<LockedCall<Returned>> call;
            try {
                call = engine().executeAsync(request(HeldKeys.onThread(held)), lease -> {
                    started.set(true);
                    Object result = underLock(held, lease, invocation::proceed);
                    if (!(result instanceof CompletionStage<?> stage)) {
                        return CompletableFuture.completedFuture(new Returned(result));
                    }
                    methodStage.set(stage.toCompletableFuture());
                    return stage.thenApply(Returned::new);
                });
            } catch (RuntimeException e) {
                if (started.get()) {
                    throw e; // the method's own
                }
                return engineFailure(e);
            }
            CompletableFuture<@Nullable Object> returned = new CompletableFuture<>();
            call.whenComplete((done, error) -> {
                if (error != null) {
                    returned.completeExceptionally(unwrap(error));
                } else if (done.ran()) {
                    returned.complete(done.value().map(Returned::value).orElse(null));
                } else {
                    try {
                        returned.complete(notAcquiredValue(done.lockResult()));
                    } catch (RuntimeException e) {
                        returned.completeExceptionally(e);
                    }
                }
            });
            if (operation.releaseOnCancel()) {
                // The caller's cancel reaches the method's own future: work that stops on cancel ends its lock.
                returned.whenComplete((value, error) -> {
                    CompletableFuture<?> stage = methodStage.get();
                    if (returned.isCancelled() && stage != null) {
                        stage.cancel(false);
                    }
                });
            }
            return returned;
        }

        /** Runs the method with its lock known to nested calls on this thread, and says when it outran its lock. */
        @Nullable Object underLock(HeldKeys.Key held, Lease lease, HeldKeys.Call method)
                throws Throwable {
            quorumAnswered();
            watchRenewal(lease);
            try {
                return LeaseScope.with(lease, () -> HeldKeys.holding(held, lease, method));
            } finally {
                warnIfExpired(lease);
            }
        }

        /** Under {@code autoExtend}, a lost lock is logged at once (the work cannot be stopped safely). */
        void watchRenewal(Lease lease) {
            if (operation.autoExtend()) {
                lease.lost().thenAccept(last -> LOG.warn("Lost the lock on '" + last.resource() + "' of "
                        + operation.description() + " while it runs (a renewal was refused by a quorum of nodes, did"
                        + " not succeed in time, or the Redlock was closed): another instance may acquire it"));
            }
        }

        void warnIfExpired(Lease lease) {
            if (lease.isValid()) {
                return;
            }
            LOG.warn("@DistributedLock method " + operation.description() + " ran longer than its lock on '"
                    + lease.resource() + "' was valid: another instance may have run at the same time. "
                    + (operation.autoExtend() ? "Its renewal was lost (see the warning above)."
                            : "Increase ttl, or set autoExtend = true."));
        }

        void notAttempted(@Nullable Throwable error) {
            try {
                listener.get().notAttempted(operation.resource(), Map.of("policy", policyTag(operation)), error);
            } catch (RuntimeException e) {
                LOG.warn("A RedlockListener failed", e);
            }
        }

        /** The call's result when the lock was not acquired: skipped, or the error under {@code THROW}. */
        @Nullable Object notAcquired(LockResult result) {
            if (operation.policy() == LockFailurePolicy.THROW) {
                return operation.resultType().failed(notAcquiredError(result));
            }
            logSkipped(result);
            return operation.resultType().skipped();
        }

        /** As {@link #notAcquired}, for the value a returned future completes with; throws under {@code THROW}. */
        @Nullable Object notAcquiredValue(LockResult result) {
            if (operation.policy() == LockFailurePolicy.THROW) {
                throw notAcquiredError(result);
            }
            logSkipped(result);
            return null;
        }

        private static LockNotAcquiredException notAcquiredError(LockResult result) {
            return new LockNotAcquiredException(result.resource(), result.failure(), result.nodes());
        }

        private void logSkipped(LockResult result) {
            LockFailure failure = result.failure();
            // Judged from the nodes: a quorum that answered at all (OK or held) is there, whatever this key's fate.
            long answered = result.nodes().stream()
                    .filter(node -> node.status() == NodeStatus.OK || node.status() == NodeStatus.HELD_BY_OTHER).count();
            boolean quorumSilent = engine != null && failure == LockFailure.UNAVAILABLE && answered < engine.quorum();
            if (!quorumSilent) {
                quorumAnswered();
            }
            if (failure == LockFailure.CONTENDED) {
                if (LOG.isDebugEnabled()) {
                    LOG.debug("Skipped " + operation.description() + ": the lock on '" + result.resource()
                            + "' is held elsewhere");
                }
            } else if (quorumSilent) {
                if (quorumLost.add(engine())) {
                    LOG.warn("Skipped " + operation.description() + ": too few Redis nodes answered (" + result + ")."
                            + " @DistributedLock methods are skipped until a quorum answers again; further skips for"
                            + " this reason are logged at DEBUG, and the quorum's return at INFO");
                } else if (LOG.isDebugEnabled()) {
                    LOG.debug("Skipped " + operation.description() + ": " + result);
                }
            } else {
                LOG.warn("Skipped " + operation.description() + ": " + result);
            }
        }

        /** A quorum of nodes answered this call: if they had not before, say once that they are back. */
        private void quorumAnswered() {
            if (engine != null && !quorumLost.isEmpty() && quorumLost.remove(engine)) {
                LOG.info("The Redis quorum is back for " + engine + ": @DistributedLock methods run again");
            }
        }
    }

    /** What a method returned, possibly null. */
    private record Returned(@Nullable Object value) {
    }

    private static String policyTag(LockOperation operation) {
        return operation.policy().name().toLowerCase(Locale.ROOT);
    }
}
