package io.github.redlock.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.concurrent.TimeUnit;

/**
 * Runs the annotated method only while holding a Redlock lock on {@link #resource()}, across every
 * instance of the application that uses the same Redis servers.
 *
 * <pre>{@code
 * @Scheduled(cron = "0 0/5 * * * *")
 * @DistributedLock(resource = "nightly-report", ttl = 10)      // ttl in seconds by default
 * void nightlyReport() { ... }
 * }</pre>
 *
 * <p>The method never runs without the lock. When the lock is not acquired, {@link #onFailure()}
 * decides: {@link LockFailurePolicy#SKIP} (the default) returns without running it,
 * {@link LockFailurePolicy#THROW} throws {@link io.github.redlock.LockNotAcquiredException}. The
 * lock is released when the method returns or throws (or kept until {@link #minHoldTime()} has
 * passed).
 *
 * <p>The annotation works through a Spring AOP proxy, like {@code @Transactional}: only calls that
 * go through the bean's proxy are locked. A call from another method of the same object
 * ({@code this.job()}) is <em>not</em> locked. Annotated methods must be overridable (not
 * {@code private}, {@code static} or {@code final}); the context refuses to start otherwise. The
 * annotation may be placed on a class method or on the interface method it implements.
 *
 * <p>Every annotated method is checked when its bean is created; an invalid declaration (blank
 * resource, SpEL that does not parse, unresolvable {@code ${...}} placeholder, negative times, a
 * primitive return type under {@code SKIP}) stops the application with a message naming the method.
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface DistributedLock {

    /**
     * The resource to lock (the Redis key, after {@code redlock.key-prefix}). Required, not blank.
     * Either a literal ({@code "nightly-report"}), with {@code ${property}} placeholders resolved
     * from the Environment at startup ({@code "${spring.application.name}:report"}), or a SpEL
     * template over the method's arguments, with expressions in {@code #{...}}
     * ({@code "invoice:#{#invoice.id}"}; arguments by name, or as {@code #p0}, {@code #a0}; the root
     * object offers {@code method}, {@code methodName}, {@code args}, {@code target} and
     * {@code targetClass}, and {@code @beanName} refers to a bean). The template is parsed once per
     * method. A template that evaluates to a blank key makes the call throw
     * {@link IllegalArgumentException} without running the method.
     *
     * <p>Metrics are tagged with this attribute as written, never with the evaluated key.
     */
    String resource();

    /**
     * How long the lock lives in Redis if it is not released, in {@link #timeUnit()}; it bounds how
     * long another instance waits after this one crashed. Default 0: {@code redlock.default-ttl}
     * (30 s unless configured). Make it longer than the method normally runs, or set
     * {@link #autoExtend()}; a method that outlives the lock is logged at WARN and counted in
     * {@code redlock.expired}.
     */
    long ttl() default 0;

    /** The unit of {@link #ttl()}, {@link #waitTime()} and {@link #minHoldTime()}; default seconds. */
    TimeUnit timeUnit() default TimeUnit.SECONDS;

    /**
     * How long to keep trying while the lock is held elsewhere, in {@link #timeUnit()}. Default 0:
     * one attempt with the engine's retries ({@code redlock.retry-count}, {@code redlock.retry-delay}),
     * then give up. For a {@code @Scheduled} method, default 0 means a tick held by another instance
     * is skipped at once, without retries (it is theirs); only unreachable nodes and split votes,
     * where several instances fired at once and none got a majority, are retried. A positive
     * {@code waitTime} waits for the lock also on scheduled methods.
     */
    long waitTime() default 0;

    /**
     * The minimum time the lock is held, in {@link #timeUnit()}, counted from acquisition (ShedLock's
     * {@code lockAtLeastFor}). When the method finishes sooner, the lock is not released but set to
     * expire once this much time has passed, so that another instance whose clock or scheduler is a
     * little late does not run the same scheduled tick again; it is kept also when the application
     * shuts down. Must not exceed an explicit {@link #ttl()}.
     *
     * <p>Default {@link #DEFAULT_HOLD}: for a {@code @Scheduled} method, half the time from the tick to
     * the next fire time (by the scheduler's clock; the shortest of several {@code @Schedules};
     * {@code fixedDelay} counts as a period of that delay), capped by the TTL, so instances whose
     * clocks differ by less than that skip the tick instead of repeating it, and the next tick is
     * never blocked. For other methods, none. {@code 0} releases the lock as soon as the method
     * returns.
     */
    long minHoldTime() default DEFAULT_HOLD;

    /**
     * The default of {@link #minHoldTime()}: half the time to the next tick for {@code @Scheduled}
     * methods, none for others.
     */
    long DEFAULT_HOLD = -1;

    /** What to do when the lock is not acquired; default {@link LockFailurePolicy#SKIP}. */
    LockFailurePolicy onFailure() default LockFailurePolicy.SKIP;

    /**
     * Whether to renew the lock while the method runs, every third of the TTL, for methods whose
     * duration is hard to bound. Default false. A renewal that fails is logged at WARN; the method
     * keeps running (it cannot be stopped safely), and the expiry is reported when it returns.
     */
    boolean autoExtend() default false;

    /**
     * What cancelling a method that returns a {@code CompletionStage} or a reactive type does to its
     * lock. Default false: a cancel (a subscriber that goes away, {@code timeout()}, {@code take(1)},
     * a client disconnect) stops waiting for the work but does not stop work already started, so the
     * lock is kept until its key expires (renewal stops): no other instance runs the same work
     * meanwhile. True releases the lock at once on cancel, for publishers whose work does stop when
     * cancelled. Only for such methods: on a method returning a plain value it fails at startup.
     */
    boolean releaseOnCancel() default false;

    /**
     * Whether the lock must carry a fencing token ({@link io.github.redlock.LockRequest#withFencing()}).
     * Default false. With true, the method runs only once a token was handed out, that is, written
     * back to and confirmed by a quorum of nodes that still held the lock; otherwise the call is not
     * acquired and {@link #onFailure()} decides (skip or throw). Inside the method,
     * {@link LockContext#currentLease()} (plain and {@code CompletionStage} methods) or
     * {@link LockContext#currentLease(reactor.util.context.ContextView)} (reactive ones) gives the
     * lease and its {@link io.github.redlock.Lease#fencingToken() token}, to send with every write to
     * the protected resource. A fenced method called from inside an unfenced one on the same key (a
     * re-entry) does not run: its lock has no token. Costs a second round trip per lock.
     */
    boolean fenced() default false;
}
