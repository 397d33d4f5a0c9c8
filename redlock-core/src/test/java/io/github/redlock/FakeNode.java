package io.github.redlock;

import io.github.redlock.internal.FencingCounter;
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

    /** A fencing counter as the fenced scripts keep it: the counter, and when it was found lost (node µs, 0: never). */
    private record Counter(long counter, long lostAtMicros) {
    }

    /** As Scripts.MAX_TOKEN. */
    static final long MAX_TOKEN = 9_000_000_000_000_000L;

    private final String address;
    private final ManualTicker ticker;
    private final Map<String, Entry> keys = new HashMap<>();
    private final Map<String, Counter> counters = new HashMap<>();
    /** The node's wall clock, in µs, is the manual clock plus this. */
    private volatile long clockOffsetMicros = 1_700_000_000_000_000L;
    final AtomicInteger acquireCalls = new AtomicInteger();
    final AtomicInteger releaseCalls = new AtomicInteger();
    final AtomicInteger writeBackCalls = new AtomicInteger();
    private volatile Mode mode = Mode.UP;
    private volatile Duration latency = Duration.ZERO;
    /** Run before each write-back does its work (a test deleting the key between the phases, say). */
    volatile Runnable beforeWriteBack = () -> { };
    /** Runs when a fenced renewal is sent, before it is done (a test's interleaving). */
    volatile Runnable beforeRenew = () -> { };
    /** Whether a write-back is done but its reply lost (answered as a timeout). */
    volatile boolean loseWriteBackReplies;
    /** Added to the clock after each write-back was done, before it is answered. */
    volatile Duration writeBackLatency = Duration.ZERO;

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

    /** Moves this node's wall clock (its TIME) by {@code offset}, as a node whose clock is off. */
    FakeNode clockOffset(Duration offset) {
        clockOffsetMicros += offset.toNanos() / 1000;
        return this;
    }

    private long wallMicros() {
        return ticker.nanoTime() / 1000 + clockOffsetMicros;
    }

    /** The fencing counter under {@code key}, or -1 when missing. */
    synchronized long counter(String key) {
        Counter counter = counters.get(key);
        return counter == null ? -1 : counter.counter();
    }

    /** Sets the fencing counter under {@code key}, as an operator seeding it would. */
    synchronized void seedCounter(String key, long value) {
        counters.put(key, new Counter(value, 0));
    }

    /** Forgets every key and counter, as a restart without persistence does. */
    synchronized void flushAll() {
        keys.clear();
        counters.clear();
    }

    /** The fenced scripts' raise(): the counter to at least {@code token}; a missing one starts a quarantine. */
    private void raise(FencingCounter fencing, long token) {
        Counter counter = counters.get(fencing.key());
        long now = wallMicros();
        if (counter == null) {
            long start = fencing.timeFloor() ? Math.max(token, now) : token;
            counters.put(fencing.key(), new Counter(start, now));
        } else if (counter.counter() < token) {
            counters.put(fencing.key(), new Counter(token, counter.lostAtMicros()));
        }
    }

    synchronized void delete(String key) {
        keys.remove(key);
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
    public CompletableFuture<NodeReply> acquireFenced(String key, String value, long ttlMillis, FencingCounter fencing,
            boolean extend) {
        acquireCalls.incrementAndGet();
        return reply(() -> {
            synchronized (this) {
                long now = wallMicros();
                Counter counter = counters.get(fencing.key());
                long quarantineMicros = fencing.quarantineMillis() * 1000;
                if (counter == null) {
                    counter = new Counter(fencing.timeFloor() ? now : 0, now);
                    counters.put(fencing.key(), counter);
                    if (quarantineMicros > 0) {
                        return NodeReply.error("fencing: counter lost (restart without persistence, FLUSHALL or eviction):"
                                + " this node mints no token for " + fencing.quarantineMillis() + " ms (quarantine)");
                    }
                }
                if (counter.lostAtMicros() > 0 && now < counter.lostAtMicros() + quarantineMicros) {
                    return NodeReply.error("fencing: counter lost on this node: it mints no token for "
                            + (counter.lostAtMicros() + quarantineMicros - now + 999) / 1000 + " ms more (quarantine)");
                }
                long f = counter.counter();
                long next = fencing.timeFloor() ? Math.max(f + 1, now) : f + 1;
                if (next > MAX_TOKEN) {
                    return NodeReply.error("fencing: token space exhausted");
                }
                Entry entry = live(key);
                boolean extended = false;
                if (entry != null) {
                    if (!entry.value().equals(value) || !extend) {
                        return NodeReply.refusedBy(entry.value());
                    }
                    extended = true;
                }
                counters.put(fencing.key(), new Counter(next, counter.lostAtMicros()));
                put(key, value, Duration.ofMillis(ttlMillis));
                return extended ? NodeReply.mintedHeldAlready(value, next) : NodeReply.minted(next);
            }
        });
    }

    @Override
    public CompletableFuture<NodeReply> writeBack(String key, String value, long token, FencingCounter fencing) {
        writeBackCalls.incrementAndGet();
        beforeWriteBack.run();
        CompletableFuture<NodeReply> reply = reply(() -> {
            synchronized (this) {
                raise(fencing, token);
                Entry entry = live(key);
                return entry != null && entry.value().equals(value) ? NodeReply.OK : NodeReply.REFUSED;
            }
        });
        ticker.advance(writeBackLatency); // done at once, answered late
        return loseWriteBackReplies ? reply.thenApply(done -> NodeReply.timeout("reply lost")) : reply;
    }

    @Override
    public CompletableFuture<NodeReply> renewFenced(String key, String value, long ttlMillis, long token,
            FencingCounter fencing) {
        beforeRenew.run();
        return reply(() -> {
            synchronized (this) {
                Entry entry = live(key);
                if (entry != null && !entry.value().equals(value)) {
                    return NodeReply.REFUSED;
                }
                put(key, value, Duration.ofMillis(ttlMillis));
                raise(fencing, token);
                return entry != null ? NodeReply.heldAlready(value) : NodeReply.OK;
            }
        });
    }

    @Override
    public CompletableFuture<NodeReply> fillInFenced(String key, String value, long ttlMillis, long token,
            FencingCounter fencing) {
        return reply(() -> {
            synchronized (this) {
                Entry entry = live(key);
                if (entry != null && !entry.value().equals(value)) {
                    return NodeReply.refusedBy(entry.value());
                }
                if (entry == null) {
                    put(key, value, Duration.ofMillis(ttlMillis));
                }
                raise(fencing, token);
                return entry == null ? NodeReply.OK : NodeReply.refusedBy(value);
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
