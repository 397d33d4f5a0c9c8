package io.github.redlock;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Runs work under a lock, for {@link Redlock#execute} and {@link Redlock#executeAsync}: acquire (or
 * re-enter), check that validity is left, tell the listeners, run, end the lock as the request says.
 */
final class LockedCalls {

    /** Starts a lock call whose grant the caller reports ({@link HeldLocks.Pending#report}). */
    interface Starter {
        HeldLocks.Pending start(LockRequest request);
    }

    private final Starter starter;
    private final Listeners listeners;
    private final Function<HeldLocks.Pending, LockResult> await;

    LockedCalls(Starter starter, Listeners listeners, Function<HeldLocks.Pending, LockResult> await) {
        this.starter = starter;
        this.listeners = listeners;
        this.await = await;
    }

    /** Where a non-blocking call stands: waiting for its lock, its work started, or cancelled first. */
    private enum Start { WAITING, STARTED, CANCELLED }

    /** A lease the work may run under, or why not; the listeners were told. */
    private record Ready(@Nullable Lease lease, LockResult result, boolean reentered) {
    }

    <T extends @Nullable Object, E extends Throwable> LockedCall<T> execute(LockRequest request, LockedWork<T, E> work) throws E {
        Ready ready = acquire(request);
        Lease lease = ready.lease();
        if (lease == null) {
            return LockedCall.notRun(ready.result());
        }
        RedlockListener.Running running = listeners.running(request, lease);
        if (!stillValid(lease)) {
            return notRunAfterAll(ready, running);
        }
        Throwable failure = null;
        try {
            return LockedCall.ran(ready.result(), work.run(lease));
        } catch (Throwable e) {
            failure = e;
            throw e;
        } finally {
            running.returned();
            finish(ready, lease, running, failure);
        }
    }

    /** The work ended on this thread: its lock ends as the request says, then the listeners hear how. */
    private static void finish(Ready ready, Lease lease, RedlockListener.Running running, @Nullable Throwable error) {
        boolean expired = !lease.isValid();
        end(ready, false);
        running.finished(expired, error);
    }

    /** Whether validity is still left beyond the margin, right before the work starts (after the listeners). */
    private static boolean stillValid(Lease lease) {
        return lease.isUsable();
    }

    /** The listeners used up the validity after all: the work does not run, its lock ends as never used. */
    private static <T extends @Nullable Object> LockedCall<T> notRunAfterAll(Ready ready, RedlockListener.Running running) {
        running.returned();
        end(ready, true);
        running.finished(true, null);
        return LockedCall.notRun(expired(ready.result()));
    }

    <T extends @Nullable Object, E extends Throwable> CompletionStage<LockedCall<T>> executeAsync(LockRequest request,
            LockedWork<? extends @Nullable CompletionStage<T>, E> work) throws E {
        Ready ready = acquire(request);
        if (ready.lease() == null) {
            return CompletableFuture.completedFuture(LockedCall.notRun(ready.result()));
        }
        CompletableFuture<LockedCall<T>> done = new CompletableFuture<>();
        run(request, ready, work, done);
        return done;
    }

    <T extends @Nullable Object, E extends Throwable> CompletionStage<LockedCall<T>> executeAsync(LockRequest request,
            LockedWork<? extends @Nullable CompletionStage<T>, E> work, Executor executor) {
        CompletableFuture<LockedCall<T>> done = new CompletableFuture<>();
        if (request.reentry().isPresent()) {
            Ready ready = reenter(request);
            startLater(request, ready, work, executor, done);
            return done;
        }
        HeldLocks.Pending call = starter.start(request);
        // WAITING until the grant starts the work (STARTED) or the caller cancels (CANCELLED), once.
        AtomicReference<Start> state = new AtomicReference<>(Start.WAITING);
        call.internalResult().thenAccept(result -> {
            if (!state.compareAndSet(Start.WAITING, Start.STARTED)) {
                return; // cancelled while acquiring: cancel() ended the call and any grant
            }
            startLater(request, ready(call, result), work, executor, done);
        });
        done.whenComplete((value, error) -> {
            if (error instanceof CancellationException && state.compareAndSet(Start.WAITING, Start.CANCELLED)) {
                call.cancel(); // stops acquiring; a lock granted meanwhile is released at once
            }
        });
        return done;
    }

    private <T extends @Nullable Object, E extends Throwable> void startLater(LockRequest request, Ready ready,
            LockedWork<? extends @Nullable CompletionStage<T>, E> work, Executor executor,
            CompletableFuture<LockedCall<T>> done) {
        if (ready.lease() == null) {
            done.complete(LockedCall.notRun(ready.result()));
            return;
        }
        try {
            executor.execute(() -> {
                try {
                    run(request, ready, work, done);
                } catch (Throwable e) {
                    done.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) { // the executor refused: the work never started
            end(ready, true);
            done.completeExceptionally(e);
        }
    }

    /** Starts the work on this thread and ends its lock when its stage completes; completes {@code done} after that. */
    private <T extends @Nullable Object, E extends Throwable> void run(LockRequest request, Ready ready,
            LockedWork<? extends @Nullable CompletionStage<T>, E> work, CompletableFuture<LockedCall<T>> done) throws E {
        Lease lease = ready.lease();
        if (lease == null) {
            throw new IllegalStateException("no lease to run under");
        }
        RedlockListener.Running running = listeners.running(request, lease);
        if (!stillValid(lease)) {
            done.complete(notRunAfterAll(ready, running));
            return;
        }
        CompletionStage<T> stage;
        try {
            stage = work.run(lease);
        } catch (Throwable e) {
            running.returned();
            finish(ready, lease, running, e);
            throw e;
        }
        running.returned();
        if (stage == null) {
            finish(ready, lease, running, null);
            done.complete(LockedCall.ran(ready.result(), null));
            return;
        }
        stage.whenComplete((value, error) -> {
            boolean expired = !lease.isValid();
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            boolean cancelled = cause instanceof CancellationException;
            CompletionStage<Boolean> ended = cancelled && !request.releaseOnCancel() ? keep(ready) : endAsync(ready);
            ended.whenComplete((released, never) -> {
                running.finished(expired, cause);
                if (error != null) {
                    done.completeExceptionally(cause);
                } else {
                    done.complete(LockedCall.ran(ready.result(), value));
                }
            });
        });
    }

    /** Acquires on this thread (or re-enters), then checks, reports and counts the work as running. */
    private Ready acquire(LockRequest request) {
        if (request.reentry().isPresent()) {
            return reenter(request);
        }
        HeldLocks.Pending call = starter.start(request);
        return ready(call, await.apply(call));
    }

    /**
     * The lease when the work may start, counted as running: acquired, still held, with more than a
     * small margin of validity left (1% of the TTL, at least 1 ms). Otherwise no lease, and a grant
     * with too little left is released at once. Tells the listeners what the work sees, before it starts.
     */
    private static Ready ready(HeldLocks.Pending call, LockResult result) {
        if (!result.isAcquired()) {
            return new Ready(null, result, false); // failures are reported by the table
        }
        Lease lease = result.leaseOrThrow();
        if (!lease.isUsable()) {
            call.report(expired(result));
            lease.held().discard();
            return new Ready(null, expired(result), false);
        }
        call.report(result);
        // Checked again after the listeners, in one step with counting the work as running.
        if (!lease.held().startWork()) {
            lease.held().discard();
            return new Ready(null, expired(result), false);
        }
        return new Ready(lease, result, false);
    }

    /**
     * Runs under a lease the caller's call chain holds: nothing is acquired, and the lock is not ended
     * by this call; its work counts as work under the lock, so the caller's release waits for it.
     */
    private Ready reenter(LockRequest request) {
        Lease held = request.reentry().orElseThrow();
        if (request.fencing() && held.fencingToken().isEmpty()) {
            throw new IllegalArgumentException("a fenced request cannot re-enter the lease of '"
                    + LockRequest.shown(held.resource()) + "': it was granted without a fencing token");
        }
        LockResult reentered = LockResult.reentered(held);
        var report = listeners.acquiring(request);
        if (!held.held().startWork()) {
            LockResult expired = expired(reentered);
            report.accept(expired);
            return new Ready(null, expired, true);
        }
        report.accept(reentered);
        return new Ready(held, reentered, true);
    }

    private static LockResult expired(LockResult granted) {
        return LockResult.failed(granted.resource(), LockFailure.VALIDITY_EXPIRED, granted.nodes(), granted.attempts());
    }

    /**
     * Ends the lock after its work: as the request says; one whose work never started is released at
     * once; a re-entered one stays held (its caller ends it, once this work is done too).
     */
    private static void end(Ready ready, boolean neverStarted) {
        Lease lease = ready.lease();
        if (lease == null) {
            return;
        }
        lease.held().workDone();
        if (ready.reentered()) {
            return;
        }
        if (neverStarted) {
            lease.held().discard();
        } else {
            lease.release();
        }
    }

    private static CompletionStage<Boolean> endAsync(Ready ready) {
        Lease lease = ready.lease();
        if (lease == null) {
            return CompletableFuture.completedFuture(true);
        }
        lease.held().workDone();
        return ready.reentered() ? CompletableFuture.completedFuture(true) : lease.releaseAsync();
    }

    /** The work was cancelled and may still run: its lock stays until its key expires (a re-entered one as its caller says). */
    private static CompletionStage<Boolean> keep(Ready ready) {
        Lease lease = ready.lease();
        if (lease != null) {
            if (!ready.reentered()) {
                lease.letExpire();
            }
            lease.held().workCancelled(); // a re-entered one: whoever ends the lock later lets it expire
        }
        return CompletableFuture.completedFuture(true);
    }
}
