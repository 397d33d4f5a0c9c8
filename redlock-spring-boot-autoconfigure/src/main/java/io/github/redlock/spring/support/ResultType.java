package io.github.redlock.spring.support;

import java.lang.reflect.Method;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.core.KotlinDetector;
import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.util.ClassUtils;

/**
 * How the advice follows what a {@code @DistributedLock} method returns: a plain value (the lock
 * ends when the method returns), a {@link CompletionStage} (it ends when the stage completes), or a
 * reactive type known to Spring's {@link ReactiveAdapterRegistry} (it is taken on subscription and
 * ends when the publisher terminates or is cancelled). Decided once per method, at startup.
 */
final class ResultType {

    private static final boolean REACTOR_PRESENT = ClassUtils.isPresent("reactor.core.publisher.Flux",
            ResultType.class.getClassLoader());

    enum Kind { VALUE, STAGE, REACTIVE }

    private final Kind kind;
    private final @Nullable ReactiveAdapter adapter;
    private final @Nullable Object skipValue;

    private ResultType(Kind kind, @Nullable ReactiveAdapter adapter, @Nullable Object skipValue) {
        this.kind = kind;
        this.adapter = adapter;
        this.skipValue = skipValue;
    }

    /**
     * The result type of {@code method}.
     *
     * @param invalid turns a problem into the startup error that names the method
     * @throws IllegalStateException (from {@code invalid}) for a result the advice cannot follow to its end
     */
    static ResultType of(Method method, Function<String, IllegalStateException> invalid) {
        Class<?> type = method.getReturnType();
        if (KotlinDetector.isSuspendingFunction(method)) {
            throw invalid.apply("it is a Kotlin suspend function, which the advice cannot hold its lock across."
                    + " Return a Mono or Flux (or a Flow, with kotlinx-coroutines-reactor) instead.");
        }
        if (CompletionStage.class.isAssignableFrom(type)) {
            if (!type.isAssignableFrom(CompletableFuture.class)) {
                throw invalid.apply("it returns " + type.getName() + ", a CompletionStage the advice cannot return in its"
                        + " place. Declare CompletableFuture or CompletionStage as the return type.");
            }
            return new ResultType(Kind.STAGE, null, null);
        }
        if (Future.class.isAssignableFrom(type)) {
            throw invalid.apply("it returns " + type.getName() + ", which cannot report its completion, so the lock"
                    + " would end while the work still runs. Return CompletableFuture or CompletionStage instead.");
        }
        ReactiveAdapter adapter = REACTOR_PRESENT ? ReactiveAdapterRegistry.getSharedInstance().getAdapter(type) : null;
        // The registry also answers for subtypes of the types it knows; what the advice returns must
        // still be an instance of the declared type.
        if (adapter != null && type.isAssignableFrom(adapter.getReactiveType())) {
            return new ResultType(Kind.REACTIVE, adapter, null);
        }
        if (isPublisherLike(type)) {
            throw invalid.apply("it returns " + type.getName() + ", a reactive type without an adapter"
                    + (REACTOR_PRESENT ? "" : " (Project Reactor is not on the classpath)")
                    + ", so the advice cannot hold the lock until it completes. Return a Mono or Flux, with reactor-core"
                    + " on the classpath.");
        }
        return new ResultType(Kind.VALUE, null, type == Optional.class ? Optional.empty() : null);
    }

    private static boolean isPublisherLike(Class<?> type) {
        return type == java.util.concurrent.Flow.Publisher.class
                || java.util.concurrent.Flow.Publisher.class.isAssignableFrom(type)
                || implementsNamed(type, "org.reactivestreams.Publisher");
    }

    private static boolean implementsNamed(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            if (c.getName().equals(name)) {
                return true;
            }
            for (Class<?> i : c.getInterfaces()) {
                if (implementsNamed(i, name)) {
                    return true;
                }
            }
        }
        return false;
    }

    Kind kind() {
        return kind;
    }

    /** The adapter of a {@link Kind#REACTIVE} result. */
    ReactiveAdapter adapter() {
        if (adapter == null) {
            throw new IllegalStateException("not a reactive result");
        }
        return adapter;
    }

    /**
     * What a call returns when it is skipped: {@code null} or {@code Optional.empty()} for plain
     * values, a future completed with {@code null}, or the reactive type's empty publisher.
     */
    @Nullable Object skipped() {
        return switch (kind) {
            case VALUE -> skipValue;
            case STAGE -> CompletableFuture.completedFuture(null);
            case REACTIVE -> ReactiveResults.empty(adapter());
        };
    }

    /** What a call returns under {@code THROW} when not acquired: the error through the type, or thrown. */
    @Nullable Object failed(RuntimeException error) {
        return switch (kind) {
            case VALUE -> throwIt(error);
            case STAGE -> CompletableFuture.failedFuture(error);
            case REACTIVE -> ReactiveResults.error(adapter(), error);
        };
    }

    private static @Nullable Object throwIt(RuntimeException error) {
        throw error;
    }
}
