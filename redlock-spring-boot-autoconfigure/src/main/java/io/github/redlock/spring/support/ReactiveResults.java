package io.github.redlock.spring.support;

import io.micrometer.observation.Observation;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.springframework.core.ReactiveAdapter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
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

    private ReactiveResults() {
    }

    /**
     * A publisher of the method's type that, on each subscription, takes the lock without blocking,
     * then calls the method and relays its publisher, and releases the lock when that completes,
     * fails or is cancelled. Not subscribed, it takes no lock and does not call the method. When
     * the lock is not taken, it completes empty (skip) or with the error ({@code THROW}).
     *
     * @param acquire given the subscriber's current observation, if any, completes with the held
     *        lock, with null to skip, or fails; cancelled when the subscription is cancelled while acquiring
     */
    static Object locked(ReactiveAdapter adapter,
            Function<@Nullable Observation, CompletableFuture<@Nullable LockedInvocation>> acquire, Observed.Call call) {
        Flux<Object> locked = Flux.usingWhen(
                Mono.deferContextual(context -> acquired(acquire.apply(observation(context)))),
                held -> Flux.defer(() -> publisherOf(adapter, call)),
                held -> Mono.fromCompletionStage(held.finishAsync()),
                (held, error) -> {
                    held.failed(error);
                    return Mono.fromCompletionStage(held.finishAsync());
                },
                held -> Mono.fromCompletionStage(held.finishAsync()));
        // singleOrEmpty waits for completion, which usingWhen signals only after the release was answered.
        return adapter.fromPublisher(adapter.isMultiValue() ? locked : locked.singleOrEmpty());
    }

    /**
     * The lock as a Mono. A subscriber that cancels stops the acquisition; a lock granted all the
     * same, also one that arrives just as the subscriber goes (and so never reaches
     * {@code usingWhen}), is ended here ({@link LockedInvocation#finishAsync()} ends a lock once, so one
     * that {@code usingWhen} ends too is not released twice).
     */
    private static Mono<LockedInvocation> acquired(CompletableFuture<@Nullable LockedInvocation> acquiring) {
        return Mono.create(sink -> {
            sink.onCancel(() -> {
                acquiring.cancel(false);
                acquiring.thenAccept(held -> {
                    if (held != null) {
                        held.finishAsync();
                    }
                });
            });
            acquiring.whenComplete((held, error) -> {
                if (error != null) {
                    sink.error(DistributedLockInterceptor.unwrap(error));
                } else if (held != null) {
                    sink.success(held);
                } else {
                    sink.success();
                }
            });
        });
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

    private static Publisher<?> publisherOf(ReactiveAdapter adapter, Observed.Call call) {
        Object result;
        try {
            result = call.proceed();
        } catch (Throwable e) {
            return Mono.error(e);
        }
        return result != null ? adapter.toPublisher(result) : Mono.empty();
    }
}
