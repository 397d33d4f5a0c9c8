package io.github.redlock;

import java.util.Optional;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * What {@link Redlock#execute} or {@link Redlock#executeAsync} did: whether the work ran under its
 * lock, and what it returned; otherwise why the lock was not acquired.
 *
 * @param <T> what the work returns
 */
public final class LockedCall<T extends @Nullable Object> {

    private final LockResult lock;
    private final boolean ran;
    private final @Nullable T value;

    private LockedCall(LockResult lock, boolean ran, @Nullable T value) {
        this.lock = lock;
        this.ran = ran;
        this.value = value;
    }

    static <T extends @Nullable Object> LockedCall<T> ran(LockResult lock, @Nullable T value) {
        return new LockedCall<>(lock, true, value);
    }

    static <T extends @Nullable Object> LockedCall<T> notRun(LockResult lock) {
        return new LockedCall<>(lock, false, null);
    }

    /** Whether the work ran (the lock was acquired, with validity left when the work started). */
    public boolean ran() {
        return ran;
    }

    /** What the work returned; empty when it did not run or returned null. */
    public Optional<@NonNull T> value() {
        return Optional.ofNullable(value);
    }

    /**
     * The lock call: the lease the work ran under, or why the work did not run
     * ({@link LockResult#failure()}; {@link LockFailure#VALIDITY_EXPIRED} also when the lock was granted
     * but its validity ran out before the work could start).
     */
    public LockResult lockResult() {
        return lock;
    }

    @Override
    public String toString() {
        return "LockedCall[" + (ran ? "ran" : "not run") + ", " + lock + "]";
    }
}
