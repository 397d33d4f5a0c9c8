package io.github.redlock;

import io.github.redlock.internal.Node;
import io.github.redlock.internal.NodeReply;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory node for testing the algorithm's arithmetic (never as a stand-in for Redis
 * behaviour, which the integration tests cover). Replies at once, after moving the manual clock
 * by the configured latency.
 */
final class FakeNode implements Node {

    /** UP answers; ERROR and TIMEOUT answer so without doing anything; DEFERRED does it and answers when {@link #answer} says. */
    enum Mode { UP, ERROR, TIMEOUT, DEFERRED }

    private record Entry(String value, long expiresAtNanos) {
    }

    private final String address;
    private final ManualTicker ticker;
    private final Map<String, Entry> keys = new HashMap<>();
    final AtomicInteger acquireCalls = new AtomicInteger();
    final AtomicInteger releaseCalls = new AtomicInteger();
    private volatile Mode mode = Mode.UP;
    private volatile Duration latency = Duration.ZERO;

    FakeNode(String address, ManualTicker ticker) {
        this.address = address;
        this.ticker = ticker;
    }

    FakeNode mode(Mode mode) {
        this.mode = mode;
        return this;
    }

    FakeNode latency(Duration latency) {
        this.latency = latency;
        return this;
    }

    synchronized void put(String key, String value, Duration ttl) {
        keys.put(key, new Entry(value, ticker.nanoTime() + ttl.toNanos()));
    }

    synchronized String get(String key) {
        Entry entry = live(key);
        return entry == null ? null : entry.value();
    }

    synchronized long pttlMillis(String key) {
        Entry entry = live(key);
        return entry == null ? -2 : (entry.expiresAtNanos() - ticker.nanoTime()) / 1_000_000L;
    }

    private Entry live(String key) {
        Entry entry = keys.get(key);
        if (entry != null && entry.expiresAtNanos() - ticker.nanoTime() <= 0) {
            keys.remove(key);
            return null;
        }
        return entry;
    }

    @Override
    public String address() {
        return address;
    }

    private final java.util.Deque<java.util.Map.Entry<CompletableFuture<NodeReply>, NodeReply>> deferred =
            new java.util.ArrayDeque<>();

    private CompletableFuture<NodeReply> reply(java.util.function.Supplier<NodeReply> onUp) {
        ticker.advance(latency);
        if (mode == Mode.DEFERRED) {
            CompletableFuture<NodeReply> later = new CompletableFuture<>();
            synchronized (this) {
                deferred.add(java.util.Map.entry(later, onUp.get()));
            }
            return later;
        }
        return CompletableFuture.completedFuture(switch (mode) {
            case UP -> onUp.get();
            case ERROR -> NodeReply.error("connection refused");
            case TIMEOUT, DEFERRED -> NodeReply.timeout("no reply within 100 ms");
        });
    }

    /** Answers the oldest command done while DEFERRED: with its reply, or as lost (a timeout) when {@code lost}. */
    void answer(boolean lost) {
        java.util.Map.Entry<CompletableFuture<NodeReply>, NodeReply> next;
        synchronized (this) {
            next = deferred.remove();
        }
        next.getKey().complete(lost ? NodeReply.timeout("reply lost") : next.getValue());
    }

    @Override
    public CompletableFuture<NodeReply> acquire(String key, String value, long ttlMillis) {
        acquireCalls.incrementAndGet();
        return reply(() -> {
            synchronized (this) {
                if (live(key) != null) {
                    return NodeReply.REFUSED;
                }
                put(key, value, Duration.ofMillis(ttlMillis));
                return NodeReply.OK;
            }
        });
    }

    @Override
    public CompletableFuture<NodeReply> acquireOrReportHolder(String key, String value, long ttlMillis) {
        acquireCalls.incrementAndGet();
        return reply(() -> {
            synchronized (this) {
                Entry entry = live(key);
                if (entry != null) {
                    return NodeReply.refusedBy(entry.value());
                }
                put(key, value, Duration.ofMillis(ttlMillis));
                return NodeReply.OK;
            }
        });
    }

    @Override
    public CompletableFuture<NodeReply> acquireOrExtend(String key, String value, long ttlMillis) {
        acquireCalls.incrementAndGet();
        return reply(() -> {
            synchronized (this) {
                Entry entry = live(key);
                if (entry != null && !entry.value().equals(value)) {
                    return NodeReply.REFUSED;
                }
                put(key, value, Duration.ofMillis(ttlMillis));
                return entry != null ? NodeReply.heldAlready(value) : NodeReply.OK;
            }
        });
    }

    @Override
    public CompletableFuture<NodeReply> extend(String key, String value, long ttlMillis) {
        return reply(() -> {
            synchronized (this) {
                Entry entry = live(key);
                if (entry == null || !entry.value().equals(value)) {
                    return NodeReply.REFUSED;
                }
                put(key, value, Duration.ofMillis(ttlMillis));
                return NodeReply.OK;
            }
        });
    }

    @Override
    public CompletableFuture<NodeReply> release(String key, String value) {
        releaseCalls.incrementAndGet();
        return reply(() -> {
            synchronized (this) {
                Entry entry = live(key);
                if (entry == null || !entry.value().equals(value)) {
                    return NodeReply.REFUSED;
                }
                keys.remove(key);
                return NodeReply.OK;
            }
        });
    }

    @Override
    public CompletableFuture<NodeReply> ping() {
        return reply(() -> new NodeReply(NodeReply.Status.OK, null, latency.toNanos()));
    }

    @Override
    public void close() {
    }
}
