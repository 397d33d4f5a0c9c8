package io.github.redlock.spring.support;

import io.github.redlock.Lease;
import io.github.redlock.spring.support.lease.LeaseScope;
import io.github.redlock.LockedCall;
import io.micrometer.observation.Observation;
import io.github.redlock.spring.observation.SafeObservations;
import io.micrometer.observation.ObservationRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.springframework.core.ReactiveAdapter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.util.context.ContextView;

/**
 * Locked calls of methods that return a reactive type. The only class that uses Project Reactor,
 * loaded only for such methods (which {@link ResultType} accepts only when Reactor is present).
 */
final class ReactiveResults {

    /**
     * Where Micrometer keeps the current observation in a Reactor context (WebFlux's server
     * observation puts it there): ObservationThreadLocalAccessor.KEY, whose class needs the
     * optional context-propagation library.
     */
    private static final String OBSERVATION_KEY = "micrometer.observation";

    /**
     * Where a subscriber chain keeps the locks it holds through the advice (a map of
     * {@link HeldKeys.Key} to lease): a key object only this class has, so no other operator can read
     * a lease (its value is the lock's secret) from the context.
     */
    private static final Object HELD_KEY = new Object();

    private ReactiveResults() {
    }

    /**
     * A publisher of the method's type that, on each subscription, takes the lock without blocking
     * (or re-enters one its subscriber chain holds), then runs the method (a full advised call each
     * time) and relays its publisher; when that completes or fails, the lock ends as the annotation
     * says. A cancelled subscription keeps the lock until its key expires (renewal stops), since the
     * work behind the publisher may go on; {@code releaseOnCancel} releases it instead. Not
     * subscribed, it takes no lock and does not run the method. When the lock is not taken, it
     * completes empty (skip) or with the error ({@code THROW}).
     */
    static Object locked(DistributedLockInterceptor.Call call, ReactiveAdapter adapter, HeldKeys.Call method,
            ObservationRegistry registry) {
        Flux<Object> locked = Flux.usingWhen(
                Mono.deferContextual(context -> acquire(call, context, registry)),
                held -> Flux.defer(() -> publisherOf(adapter, () -> held.invoke(call, method)))
                        .contextWrite(context -> context.put(HELD_KEY, plus(context, call.heldKey(), held.lease))
                                .put(LeaseScope.CONTEXT_KEY, held.lease)),
                Held::complete,
                Held::fail,
                Held::cancel);
        // singleOrEmpty waits for completion, which usingWhen signals only after the release was answered.
        return adapter.fromPublisher(adapter.isMultiValue() ? locked : locked.singleOrEmpty());
    }

    /** The lock of one subscription while its publisher runs: ending {@link #work} ends the lock in the engine. */
    private static final class Held {
        final Lease lease;
        final CompletableFuture<Boolean> work = new CompletableFuture<>();
        final CompletableFuture<LockedCall<Boolean>> call = new CompletableFuture<>();
        private volatile boolean invoked;

        Held(Lease lease) {
            this.lease = lease;
        }

        @Nullable Object invoke(DistributedLockInterceptor.Call call, HeldKeys.Call method) throws Throwable {
            invoked = true;
            return call.underLock(call.heldKey(), lease, method);
        }

        Mono<Void> complete() {
            work.complete(Boolean.TRUE);
            return ended();
        }

        Mono<Void> fail(Throwable error) {
            work.completeExceptionally(error);
            return ended();
        }

        /**
         * The subscriber went away: once the method ran, its work may go on, so the engine keeps the
         * lock (or releases it on cancel if asked); a lock whose method never ran ends as after it.
         */
        Mono<Void> cancel() {
            if (invoked) {
                work.cancel(false);
            } else {
                work.complete(Boolean.FALSE);
            }
            return Mono.empty();
        }

        private Mono<Void> ended() {
            return Mono.fromFuture(call.handle((done, error) -> Boolean.TRUE)).then();
        }
    }

    /** Where one subscription's lock call stands, changed once: waiting for the grant, or its lock handed over, or cancelled first. */
    private static final Object WAITING = new Object();
    private static final Object CANCELLED = new Object();

    /** The held lock as a Mono: emits it once the work may start, completes empty to skip, fails under THROW. */
    private static Mono<Held> acquire(DistributedLockInterceptor.Call call, ContextView context,
            ObservationRegistry registry) {
        return Mono.create(sink -> {
            // The subscriber chain's lock, or, for a publisher subscribed on the thread of a plain or
            // stage method holding the key (blocking on it, say), that thread's.
            Lease inChain = held(context).get(call.heldKey());
            Lease outer = inChain != null ? inChain : HeldKeys.onThread(call.heldKey());
            Observation parent = observation(context);
            Executor executor = parent == null ? Runnable::run : task -> SafeObservations.scoped(registry, parent, () -> {
                task.run();
                return null;
            });
            // WAITING, then the Held handed to the subscriber, or CANCELLED: whichever comes first wins.
            AtomicReference<Object> state = new AtomicReference<>(WAITING);
            CompletableFuture<LockedCall<Boolean>> locked;
            try {
                locked = (parent == null ? start(call, outer, sink, state, executor)
                        : SafeObservations.scoped(registry, parent, () -> start(call, outer, sink, state, executor)));
            } catch (RuntimeException e) {
                if (call.engineFailed(e)) {
                    sink.error(e);
                } else {
                    sink.success();
                }
                return;
            }
            sink.onCancel(() -> {
                Object before = state.getAndSet(CANCELLED);
                if (before instanceof Held held) {
                    held.cancel(); // handed over just as the subscriber went: usingWhen may never have it
                } else if (before == WAITING) {
                    locked.cancel(false); // stops acquiring; a grant that crosses it never starts its method
                }
            });
            locked.whenComplete((done, error) -> {
                if (state.get() instanceof Held held) {
                    if (error != null) {
                        held.call.completeExceptionally(error);
                    } else {
                        held.call.complete(done);
                    }
                    return;
                }
                if (error != null) {
                    sink.error(DistributedLockInterceptor.unwrap(error));
                    return;
                }
                try {
                    call.notAcquiredValue(done.lockResult()); // throws under THROW
                    sink.success();
                } catch (RuntimeException e) {
                    sink.error(e);
                }
            });
        });
    }

    private static CompletableFuture<LockedCall<Boolean>> start(DistributedLockInterceptor.Call call,
            @Nullable Lease outer, MonoSink<Held> sink, AtomicReference<Object> state, Executor executor) {
        return call.engine().executeAsync(call.request(outer), lease -> {
            Held held = new Held(lease);
            if (!state.compareAndSet(WAITING, held)) {
                held.work.complete(Boolean.FALSE); // the subscriber went first: the method never runs
                return held.work;
            }
            sink.success(held);
            return held.work;
        }, executor).toCompletableFuture();
    }

    @SuppressWarnings("unchecked")
    private static Map<HeldKeys.Key, Lease> held(ContextView context) {
        Object held = context.hasKey(HELD_KEY) ? context.get(HELD_KEY) : null;
        return held instanceof Map<?, ?> map ? (Map<HeldKeys.Key, Lease>) map : Map.of();
    }

    private static Map<HeldKeys.Key, Lease> plus(ContextView context, HeldKeys.Key key, Lease lease) {
        Map<HeldKeys.Key, Lease> more = new HashMap<>(held(context));
        more.put(key, lease);
        return Map.copyOf(more);
    }

    private static @Nullable Observation observation(ContextView context) {
        Object current = context.hasKey(OBSERVATION_KEY) ? context.get(OBSERVATION_KEY) : null;
        return current instanceof Observation observation ? observation : null;
    }

    static Object empty(ReactiveAdapter adapter) {
        return adapter.fromPublisher(Mono.empty());
    }

    static Object error(ReactiveAdapter adapter, RuntimeException error) {
        return adapter.fromPublisher(Mono.error(error));
    }

    private static Publisher<?> publisherOf(ReactiveAdapter adapter, HeldKeys.Call call) {
        Object result;
        try {
            result = call.proceed();
        } catch (Throwable e) {
            return Mono.error(e);
        }
        return result != null ? adapter.toPublisher(result) : Mono.empty();
    }
}
