package io.github.redlock;

import io.github.redlock.internal.ReleaseNotices;
import io.github.redlock.internal.Scheduler;
import io.github.redlock.internal.Waiting;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The one owner of an engine's waiting calls: one line per key, in arrival order, whose head alone
 * makes attempts (so the engine puts one attempt per key on the wire, however many of its threads
 * wait), and which listens for the key's release notices while it has waiters, and for
 * {@link #LINGER_NANOS} after its last waiter left (a thread that loops on a lock leaves the line
 * and enters again within that time: its line reuses the subscription instead of unsubscribing and
 * subscribing on every node); and the timers the waiting calls arm, counted, so that a test can see
 * none is left behind.
 */
final class Waiters {

    /** A waiting lock call. */
    interface Waiter {
        String key();

        /** It heads its key's line now: make an attempt at once. */
        void lead();

        /**
         * A release notice for its key arrived while it heads the line: from {@code node} (-1 when it
         * may concern every node), telling which value was released there and what was handed over
         * (null when anything may have happened).
         */
        void notice(int node, Waiting.@Nullable Notice released);
    }

    /** How long a key's subscription outlives its line. */
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final ReleaseNotices notices;
    private final Scheduler scheduler;
    /** The subscriptions of keys whose line ended, each until its linger ends or a new line takes it. Guarded by this. */
    private final Map<String, Lingering> lingering = new HashMap<>();
    private final AtomicInteger timers = new AtomicInteger();
    // Guarded by this.
    private final Map<String, Line> lines = new HashMap<>();
    private int waiting;

    /** Held while the notices are asked to listen or unlisten, never while holding this. */
    private final Object subscribing = new Object();

    private static final class Line {
        final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
        boolean listening;
        @Nullable Runnable unlisten;
    }

    /** A subscription whose line ended; its identity tells its own linger from a later one of the same subscription. */
    private static final class Lingering {
        final Runnable unlisten;

        Lingering(Runnable unlisten) {
            this.unlisten = unlisten;
        }
    }

    Waiters(ReleaseNotices notices, Scheduler scheduler) {
        this.notices = notices;
        this.scheduler = scheduler;
    }

    /** Queues {@code waiter} behind its key's line; it leads at once when the line was empty. */
    void enter(Waiter waiter) {
        boolean lead;
        synchronized (this) {
            Line line = lines.computeIfAbsent(waiter.key(), key -> new Line());
            line.waiters.add(waiter);
            waiting++;
            lead = line.waiters.size() == 1;
        }
        if (lead) {
            waiter.lead();
        }
    }

    /** Whether {@code waiter} heads its key's line. */
    synchronized boolean leads(Waiter waiter) {
        Line line = lines.get(waiter.key());
        return line != null && line.waiters.peek() == waiter;
    }

    /**
     * Subscribes to the key's release channel for its line (once per line; the last waiter to leave
     * unsubscribes). The subscription is asked for outside this object's monitor (it may open
     * connections), one call at a time, so that a line's subscribe and an ended line's unsubscribe
     * for the same key reach the notices in the order the lines came and went.
     */
    void listen(Waiter head) {
        String key = head.key();
        synchronized (subscribing) {
            Line line;
            synchronized (this) {
                line = lines.get(key);
                if (line == null || line.listening || line.waiters.peek() != head) {
                    return;
                }
                line.listening = true;
                Lingering kept = lingering.remove(key);
                if (kept != null) {
                    // Subscribed all along: no release since the head's attempt can have been missed.
                    line.unlisten = kept.unlisten;
                    return;
                }
            }
            Runnable unlisten = notices.listen(Waiting.channel(key), (node, released) -> noticeHead(key, node, released));
            synchronized (this) {
                if (lines.get(key) == line) {
                    line.unlisten = unlisten;
                    return;
                }
            }
            unlisten.run(); // the line ended meanwhile
        }
    }

    /** Removes {@code waiter} from its line; the next one leads; the last one unsubscribes. Idempotent. */
    void leave(Waiter waiter) {
        leave(waiter, false);
    }

    /**
     * As {@link #leave(Waiter)}; with {@code leadLater}, the next one's first attempt is made on the
     * scheduler's thread (at once, or on this thread if the scheduler refuses), so that the caller of
     * a granted waiter hears of its grant without waiting for that attempt to be sent.
     */
    void leave(Waiter waiter, boolean leadLater) {
        @Nullable Waiter next = null;
        @Nullable Lingering kept = null;
        synchronized (this) {
            Line line = lines.get(waiter.key());
            if (line == null) {
                return;
            }
            boolean head = line.waiters.peek() == waiter;
            if (!line.waiters.remove(waiter)) {
                return;
            }
            waiting--;
            if (line.waiters.isEmpty()) {
                lines.remove(waiter.key());
                if (line.unlisten != null) {
                    // Kept in the same monitor as the line's removal: a line that forms next takes it.
                    kept = new Lingering(line.unlisten);
                    lingering.put(waiter.key(), kept);
                }
            } else if (head) {
                next = line.waiters.peek();
            }
        }
        if (kept != null) {
            lingerEnd(waiter.key(), kept);
        }
        if (next != null) {
            Waiter leader = next;
            if (leadLater) {
                try {
                    scheduler.schedule(leader::lead, 0);
                    return;
                } catch (RejectedExecutionException e) { // closing: its attempt ends it at once
                    // lead on this thread
                }
            }
            leader.lead();
        }
    }

    /**
     * Unsubscribes {@code kept}, the subscription of {@code key} whose line ended, after
     * {@link #LINGER_NANOS}, unless a new line took it meanwhile (a line that takes it and lingers
     * again keeps its full time: its holder is another object).
     */
    private void lingerEnd(String key, Lingering kept) {
        Runnable end = () -> {
            synchronized (subscribing) {
                synchronized (this) {
                    if (lingering.get(key) != kept) {
                        return; // a new line took it
                    }
                    lingering.remove(key);
                }
                kept.unlisten.run();
            }
        };
        try {
            scheduler.schedule(end, LINGER_NANOS);
        } catch (RejectedExecutionException e) { // closing
            end.run();
        }
    }

    private void noticeHead(String key, int node, Waiting.@Nullable Notice released) {
        Waiter head;
        synchronized (this) {
            Line line = lines.get(key);
            head = line == null ? null : line.waiters.peek();
        }
        if (head != null) {
            head.notice(node, released);
        }
    }

    /**
     * Runs {@code task} after {@code delayNanos} on the engine's scheduler, counted until it ran or
     * was cancelled by the returned handle.
     *
     * @throws java.util.concurrent.RejectedExecutionException when the scheduler is shutting down
     */
    Runnable arm(Runnable task, long delayNanos) {
        AtomicBoolean over = new AtomicBoolean();
        timers.incrementAndGet();
        Runnable cancel;
        try {
            cancel = scheduler.scheduleCancellable(() -> {
                if (over.compareAndSet(false, true)) {
                    timers.decrementAndGet();
                    task.run();
                }
            }, delayNanos);
        } catch (RuntimeException e) {
            timers.decrementAndGet();
            throw e;
        }
        return () -> {
            if (over.compareAndSet(false, true)) {
                timers.decrementAndGet();
                cancel.run();
            }
        };
    }

    /** Calls waiting in lines now. */
    synchronized int waiting() {
        return waiting;
    }

    /** Keys with a line now. */
    synchronized int lines() {
        return lines.size();
    }

    /** Channels subscribed (or being subscribed) for release notices. */
    int subscriptions() {
        return notices.channels();
    }

    /** Timers armed by waiting calls that neither ran nor were cancelled. */
    int timers() {
        return timers.get();
    }

    /** Stops hearing of releases: closes the subscription connections. */
    void close() {
        synchronized (this) {
            lingering.clear();
        }
        notices.close();
    }
}
