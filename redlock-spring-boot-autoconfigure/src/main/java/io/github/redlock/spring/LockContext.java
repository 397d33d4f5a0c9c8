package io.github.redlock.spring;

import io.github.redlock.Lease;
import io.github.redlock.spring.support.lease.LeaseScope;
import java.util.Optional;
import reactor.util.context.ContextView;

/**
 * The lease of the {@link DistributedLock @DistributedLock} method that is running, for code that
 * needs its {@link Lease#fencingToken() fencing token} (or its remaining validity) without passing
 * the lease around.
 *
 * <pre>{@code
 * @DistributedLock(resource = "invoice:#{#id}", fenced = true)
 * void settle(long id) {
 *     long token = LockContext.currentLease().orElseThrow().fencingToken().orElseThrow();
 *     invoices.settle(id, token); // the store rejects a token lower than the highest it has seen
 * }
 * }</pre>
 */
public final class LockContext {

    /**
     * The key under which a reactive {@code @DistributedLock} method's publisher finds its lease in
     * the Reactor subscriber context (the innermost lock its subscriber chain holds):
     * {@code Mono.deferContextual(context -> Mono.just(context.<Lease>get(LockContext.LEASE_KEY)))}, or
     * {@link #currentLease(ContextView)}. Present only inside the method's publisher, not downstream
     * of it. The lease carries the lock's value, its secret: operators of the method's own publisher
     * chain can read it.
     */
    public static final String LEASE_KEY = LeaseScope.CONTEXT_KEY;

    private LockContext() {
    }

    /**
     * The lease of the innermost {@code @DistributedLock} method running on the calling thread: set
     * while a plain or {@code CompletionStage} method's body runs (a nested locked call sees its own
     * lease, and the outer one again once it returned), empty outside, and on other threads (work a
     * {@code CompletionStage} method hands to an executor must take the lease along). Reactive
     * methods read {@link #currentLease(ContextView)}.
     */
    public static Optional<Lease> currentLease() {
        return Optional.ofNullable(LeaseScope.current());
    }

    /**
     * The lease of the innermost {@code @DistributedLock} method whose publisher runs in the subscriber
     * context {@code context} (see {@link #LEASE_KEY}), for example in
     * {@code Mono.deferContextual(context -> ...)}; empty outside such a method. Needs Project Reactor.
     */
    public static Optional<Lease> currentLease(ContextView context) {
        return context.getOrEmpty(LEASE_KEY).filter(Lease.class::isInstance).map(Lease.class::cast);
    }
}
