package io.github.redlock.spring.support;

import io.github.redlock.Lease;
import io.github.redlock.Redlock;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The locks a call chain holds through the advice, so that a nested {@code @DistributedLock} call
 * on a key its own chain holds re-enters that lock instead of waiting for itself: per thread for
 * plain and {@code CompletionStage} methods (the method body runs on the calling thread), and in the
 * subscriber's Reactor context for reactive ones ({@link ReactiveResults}). Keyed by engine and
 * resolved key: a nested call on another key, or on another Redlock, acquires as usual.
 */
final class HeldKeys {

    /** A lock's identity within the application: which engine, which key. */
    record Key(Redlock engine, String resource) {
    }

    private static final ThreadLocal<Map<Key, Lease>> HELD = new ThreadLocal<>();

    private HeldKeys() {
    }

    /** The lease this thread's call chain holds for {@code key}, if any. */
    static @Nullable Lease onThread(Key key) {
        Map<Key, Lease> held = HELD.get();
        return held != null ? held.get(key) : null;
    }

    /** Runs {@code call} with {@code lease} held for {@code key} on this thread; nested calls see it. */
    static @Nullable Object holding(Key key, Lease lease, Call call) throws Throwable {
        Map<Key, Lease> held = HELD.get();
        boolean created = held == null;
        if (created) {
            held = new HashMap<>();
            HELD.set(held);
        }
        Lease before = held.put(key, lease);
        try {
            return call.proceed();
        } finally {
            if (before != null) {
                held.put(key, before);
            } else {
                held.remove(key);
            }
            if (created) {
                HELD.remove();
            }
        }
    }

    /** A call that may throw anything, as a method invocation does. */
    interface Call {
        @Nullable Object proceed() throws Throwable;
    }
}
