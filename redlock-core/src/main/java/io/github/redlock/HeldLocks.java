package io.github.redlock;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The one owner of held locks: the lock calls in progress and the locks they granted, one
 * {@link HeldLock} per held lock, from the grant until it ends (released, left to expire, replaced,
 * or run out). {@link Redlock#heldLeases()}, {@link Redlock#close()} and the endpoint read this
 * table. Ends leases that ran out unreleased in amortised constant time, so its size is bounded by
 * what is held.
 */
final class HeldLocks {

    private static final System.Logger LOG = System.getLogger(Redlock.class.getName());

    /** The size at which locks that ran out unreleased are first swept. */
    private static final int MIN_SWEEP = 1024;

    private final LockEngine engine;
    private final Listeners listeners;
    private final boolean fillIn;
    private final Map<HeldKey, HeldLock> held = new ConcurrentHashMap<>();
    private final Set<Pending> pending = ConcurrentHashMap.newKeySet();
    private volatile int sweepAt = MIN_SWEEP;
    private volatile boolean closed;

    /** A lock's identity on the nodes. */
    private record HeldKey(String key, String value) {
    }

    /** @param fillIn false only in tests that show what fill-in prevents */
    HeldLocks(LockEngine engine, Listeners listeners, boolean fillIn) {
        this.engine = engine;
        this.listeners = listeners;
        this.fillIn = fillIn;
    }

    /**
     * A lock call in progress, as its caller sees it: {@link #result()} completes once, with the
     * lease or why not, after the listeners were told (unless the report of a grant is deferred to
     * the caller). Only this class completes the internal future; callers get a view of it.
     */
    final class Pending {
        private final LockRequest request;
        private final LockEngine.Acquisition acquisition;
        private final Consumer<LockResult> report;
        private final boolean deferGrantReport;
        private final CompletableFuture<LockResult> result = new CompletableFuture<>();
        /** Completes once the call decided and a grant nobody took was released. */
        private final CompletableFuture<Void> settled = new CompletableFuture<>();

        private Pending(LockRequest request, LockEngine.Acquisition acquisition, Consumer<LockResult> report,
                boolean deferGrantReport) {
            this.request = request;
            this.acquisition = acquisition;
            this.report = report;
            this.deferGrantReport = deferGrantReport;
        }

        /** The result, as a future the caller may cancel (which stops the call) but not complete. */
        CompletableFuture<LockResult> result() {
            CompletableFuture<LockResult> view = new CompletableFuture<>();
            result.whenComplete((done, error) -> {
                if (error == null) {
                    view.complete(done);
                }
            });
            view.whenComplete((done, error) -> {
                if (error != null) {
                    cancel(); // the caller cancelled or failed its future: it waits no more
                }
            });
            return view;
        }

        /** The internal result, for a caller that blocks on it. */
        CompletableFuture<LockResult> internalResult() {
            return result;
        }

        /** Tells the listeners a result the caller decided on (a deferred grant report). */
        void report(LockResult outcome) {
            report.accept(outcome);
        }

        /**
         * The caller stopped waiting (interrupt, cancel, close): no more attempts, and a lock granted
         * all the same is released at once, whatever its minimum hold (its work never started).
         * Returns the interrupted result; the listeners hear of it unless they heard of a result before.
         */
        LockResult cancel() {
            acquisition.stop();
            LockResult interrupted = LockResult.failed(request.resource(), LockFailure.INTERRUPTED, List.of(),
                    acquisition.attempts());
            report.accept(interrupted); // a report passes on the first result only
            if (!result.complete(interrupted)) {
                LockResult decided = result.join(); // only this class completes it, never exceptionally
                decided.lease().ifPresent(lease -> lease.held().discard());
            }
            return interrupted;
        }

        private void decided(Object outcome) {
            pending.remove(this);
            if (outcome instanceof LockResult failed) {
                finish(failed);
                settled.complete(null);
                return;
            }
            LockEngine.Grant grant = (LockEngine.Grant) outcome;
            HeldLock lock = new HeldLock(HeldLocks.this, engine, listeners, request, acquisition.value(), grant, fillIn);
            register(lock);
            // Registered before checking: close() either sees the lock in the table or this sees it closed.
            if (closed || result.isDone()) {
                finish(LockResult.failed(request.resource(), LockFailure.INTERRUPTED, grant.ballot().outcomes(),
                        grant.attempts()));
                lock.discard().whenComplete((released, error) -> settled.complete(null));
                return;
            }
            LockResult acquired = LockResult.acquired(lock.lease(), grant.ballot().outcomes(), grant.attempts());
            if (!deferGrantReport) {
                report.accept(acquired); // before the caller sees it
            }
            lock.start(grant.ballot());
            if (!result.complete(acquired)) {
                lock.discard(); // the caller cancelled in between
            }
            settled.complete(null);
        }

        /** Reports {@code outcome}, then hands it to the caller: listeners have seen it by the time the caller's code runs. */
        private void finish(LockResult outcome) {
            if (!result.isDone()) {
                report.accept(outcome);
            }
            result.complete(outcome);
        }
    }

    /**
     * Starts a lock call. With {@code deferGrantReport}, a grant is not reported to the listeners: the
     * caller reports what it makes of it ({@link Pending#report}); failures are reported here.
     *
     * @throws IllegalStateException when closed (after telling {@code report})
     */
    Pending acquire(LockRequest request, String value, boolean knownValue, LockEngine.NodeCommand command,
            Consumer<LockResult> report, boolean deferGrantReport) {
        return acquire(request, value, knownValue, command, LockEngine.Fencing.NEW, report, deferGrantReport);
    }

    /**
     * As {@link #acquire(LockRequest, String, boolean, LockEngine.NodeCommand, Consumer, boolean)};
     * a {@link LockRequest#fencing() fenced} request mints its token as {@code fencing} says (and
     * {@code command} is not used).
     */
    Pending acquire(LockRequest request, String value, boolean knownValue, LockEngine.NodeCommand command,
            LockEngine.Fencing fencing, Consumer<LockResult> report, boolean deferGrantReport) {
        java.util.function.BooleanSupplier valueHeldHere = knownValue
                ? () -> find(request.resource(), value) != null : () -> false;
        if (closed) {
            report.accept(LockResult.failed(request.resource(), LockFailure.INTERRUPTED, List.of(), 0));
            requireOpen();
        }
        LockEngine.Acquisition acquisition = request.fencing()
                ? engine.acquireFenced(request.resource(), value, valueHeldHere, request.ttl().toMillis(), fencing,
                        request.waitTime().toNanos(), request.retryWhenHeld())
                : engine.acquire(request.resource(), value, !knownValue, valueHeldHere, request.ttl().toMillis(), command,
                        request.waitTime().toNanos(), request.retryWhenHeld());
        Pending call = new Pending(request, acquisition, report, deferGrantReport);
        pending.add(call);
        acquisition.decided().thenAccept(call::decided);
        if (closed) {
            call.cancel(); // closed while it started: close() may not have seen it
        }
        return call;
    }

    private void register(HeldLock lock) {
        if (held.size() >= sweepAt) {
            held.values().removeIf(Predicate.not(HeldLock::isHeld));
            sweepAt = Math.max(MIN_SWEEP, 2 * held.size());
        }
        HeldLock previous = held.put(new HeldKey(lock.key(), lock.value()), lock);
        if (previous != null) {
            previous.replacedBy(lock); // the same value granted again (extend or create): the newer grant owns the keys
        }
    }

    /** Called by a lock that ended. */
    void remove(HeldLock lock) {
        held.remove(new HeldKey(lock.key(), lock.value()), lock);
    }

    /** The held lock of {@code resource} with {@code value}, if this table holds it. */
    @Nullable HeldLock find(String resource, String value) {
        return held.get(new HeldKey(engine.key(resource), value));
    }

    /** The leases held now: granted, not ended, validity left. */
    List<Lease> leases() {
        List<Lease> leases = new ArrayList<>();
        held.values().removeIf(Predicate.not(HeldLock::isHeld));
        for (HeldLock lock : held.values()) {
            if (lock.isHeld()) {
                leases.add(lock.lease());
            }
        }
        return leases;
    }

    /** How many entries the table keeps (held, or run out and not yet swept). */
    int size() {
        return held.size();
    }

    /**
     * Refuses new calls, completes every call in progress as {@link LockFailure#INTERRUPTED} (a
     * grant arriving later is released), then ends every held lock: left to expire and reported lost,
     * never deleted (its holder may still be working). Completes when the nodes answered.
     */
    CompletableFuture<Void> close() {
        closed = true;
        List<CompletableFuture<?>> ends = new ArrayList<>();
        for (Pending call : List.copyOf(pending)) {
            try {
                call.cancel();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Could not end a lock call at close", e);
            }
            ends.add(call.settled); // an attempt in flight decides, and a grant is released, before the nodes close
        }
        for (HeldLock lock : List.copyOf(held.values())) {
            try {
                ends.add(lock.close());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Could not end a held lock at close", e);
            }
        }
        return CompletableFuture.allOf(ends.toArray(CompletableFuture<?>[]::new));
    }

    void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this Redlock is closed");
        }
    }
}
