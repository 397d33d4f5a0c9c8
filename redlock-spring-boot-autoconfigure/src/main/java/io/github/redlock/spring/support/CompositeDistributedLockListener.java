package io.github.redlock.spring.support;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/** See {@link DistributedLockListener#composite(List)}. */
record CompositeDistributedLockListener(List<DistributedLockListener> listeners) implements DistributedLockListener {

    private static final Log LOG = LogFactory.getLog(CompositeDistributedLockListener.class);

    @Override
    public void acquired(String resource, Duration latency) {
        each(l -> l.acquired(resource, latency));
    }

    @Override
    public void notAcquired(String resource, FailureReason reason, Duration latency) {
        each(l -> l.notAcquired(resource, reason, latency));
    }

    @Override
    public void notAttempted(String resource, FailureReason reason, Duration latency) {
        each(l -> l.notAttempted(resource, reason, latency));
    }

    @Override
    public Runnable running(String resource) {
        Runnable[] ends = new Runnable[listeners.size()];
        for (int i = 0; i < ends.length; i++) {
            ends[i] = running(listeners.get(i), resource);
        }
        return () -> {
            for (Runnable end : ends) {
                guarded(end);
            }
        };
    }

    @Override
    public void expired(String resource) {
        each(l -> l.expired(resource));
    }

    private static Runnable running(DistributedLockListener listener, String resource) {
        try {
            Runnable end = listener.running(resource);
            return end != null ? end : () -> { };
        } catch (RuntimeException e) {
            LOG.warn("A DistributedLockListener failed", e);
            return () -> { };
        }
    }

    private void each(Consumer<DistributedLockListener> call) {
        for (DistributedLockListener listener : listeners) {
            guarded(() -> call.accept(listener));
        }
    }

    private static void guarded(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("A DistributedLockListener failed", e);
        }
    }
}
