package io.github.redlock;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The {@link RedlockListener}s of one Redlock (or a {@link RedlockListener#composite composite}),
 * called in registration order; one that throws is logged and neither stops the others nor
 * disturbs the call. Costs nothing while there are none.
 */
final class Listeners implements RedlockListener {

    private static final System.Logger LOG = System.getLogger(Redlock.class.getName());
    private static final Consumer<LockResult> IGNORED = result -> { };

    private final List<RedlockListener> listeners = new CopyOnWriteArrayList<>();

    Listeners() {
    }

    Listeners(List<RedlockListener> listeners) {
        listeners.forEach(this::add);
    }

    void add(RedlockListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener must not be null");
        }
        listeners.add(listener);
    }

    void remove(RedlockListener listener) {
        listeners.removeIf(registered -> registered == listener);
    }

    boolean isEmpty() {
        return listeners.isEmpty();
    }

    /** Calls every listener's {@code acquiring} now; the returned callback passes on one result, once. */
    @Override
    public Consumer<LockResult> acquiring(LockRequest request) {
        if (listeners.isEmpty()) {
            return IGNORED;
        }
        List<Consumer<LockResult>> callbacks = new ArrayList<>(listeners.size());
        for (RedlockListener listener : listeners) {
            try {
                callbacks.add(listener.acquiring(request));
            } catch (RuntimeException e) {
                failed(listener, e);
            }
        }
        AtomicBoolean told = new AtomicBoolean();
        return result -> {
            if (told.compareAndSet(false, true)) {
                for (Consumer<LockResult> callback : callbacks) {
                    try {
                        callback.accept(result);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "A RedlockListener failed", e);
                    }
                }
            }
        };
    }

    /** Calls every listener's {@code running} now; the returned {@code Running} passes each event on to all of them. */
    @Override
    public Running running(LockRequest request, Lease lease) {
        if (listeners.isEmpty()) {
            return Running.IGNORED;
        }
        List<Running> all = new ArrayList<>(listeners.size());
        for (RedlockListener listener : listeners) {
            try {
                all.add(listener.running(request, lease));
            } catch (RuntimeException e) {
                failed(listener, e);
            }
        }
        return new Running() {
            @Override
            public void returned() {
                for (Running running : all) {
                    try {
                        running.returned();
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "A RedlockListener failed", e);
                    }
                }
            }

            @Override
            public void finished(boolean expired, @org.jspecify.annotations.Nullable Throwable error) {
                for (Running running : all) {
                    try {
                        running.finished(expired, error);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "A RedlockListener failed", e);
                    }
                }
            }
        };
    }

    @Override
    public void notAttempted(String name, java.util.Map<String, String> tags,
            @org.jspecify.annotations.Nullable Throwable error) {
        each(listener -> listener.notAttempted(name, tags, error));
    }

    @Override
    public void released(RedlockListener.Release release) {
        each(listener -> listener.released(release));
    }

    @Override
    public void renewed(RedlockListener.Renewal renewal) {
        each(listener -> listener.renewed(renewal));
    }

    @Override
    public void filledIn(RedlockListener.FillInRound round) {
        each(listener -> listener.filledIn(round));
    }

    private void each(Consumer<RedlockListener> call) {
        for (RedlockListener listener : listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException e) {
                failed(listener, e);
            }
        }
    }

    private static void failed(RedlockListener listener, RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "RedlockListener " + listener.getClass().getName() + " failed", e);
    }
}
