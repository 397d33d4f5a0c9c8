package io.github.redlock.benchmarks;

import io.github.redlock.Lease;
import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.Redlock;
import io.github.redlock.test.RedisNodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.redisson.RedissonRedLock;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;

/**
 * Waiting for a held lock, the shape of issue 23: one resource, 4 application instances (one
 * client each) × 2 threads, every thread looping "wait up to 10 s for the lock, WORK ms of work,
 * release", for SECONDS per client, on 3 local nodes; this project's engine, Redisson's
 * {@code RLock} (node 1 only, pub/sub waiting) and Redisson's {@code RedissonRedLock} (3 nodes), one
 * after the other in one JVM against the same nodes.
 *
 * <pre>java -cp benchmarks.jar io.github.redlock.benchmarks.WaitingCheck [SECONDS [WORK_MS [CLIENTS...]]]</pre>
 * Defaults: 15 s, 20 ms, all of {@code engine redissonLock redissonRedLock}. Prints one line per
 * client: critical sections (and per second, against the limit 1000 / WORK_MS), sections per
 * thread (min..max), the wait for the lock (p50, p99, max), waits that timed out, and the hand-off:
 * from the moment the holder asked to release to the moment the next holder, which was waiting
 * then, was granted (p50, p99). The floor of a hand-off is a release and a lock round trip: the
 * {@code floor} line gives the engine's uncontended lock-and-release p50.
 */
public final class WaitingCheck {

    static final int INSTANCES = 4;
    static final int THREADS_PER_INSTANCE = 2;
    static final Duration WAIT = Duration.ofSeconds(10);
    static final String RESOURCE = "bench:waiting";

    private WaitingCheck() {
    }

    /** One application instance's client: waits up to {@link #WAIT}, returns a release or null when it timed out. */
    interface Waiter extends AutoCloseable {
        @FunctionalInterface
        interface Release {
            void release();
        }

        @Nullable Release lock() throws InterruptedException;

        @Override
        void close();
    }

    public static void main(String[] args) throws InterruptedException {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int workMillis = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        List<String> impls = args.length > 2 ? Arrays.asList(args).subList(2, args.length)
                : List.of("engine", "redissonLock", "redissonRedLock");
        try (RedisNodes nodes = RedisNodes.start(3)) {
            System.out.println(floor(nodes.uris()));
            for (String impl : impls) {
                System.out.println(run(impl, nodes.uris(), seconds, workMillis));
            }
        }
    }

    /** The engine's uncontended lock-and-release p50: a hand-off cannot be faster. */
    static String floor(List<String> uris) {
        try (Redlock redlock = Redlock.builder().servers(uris.toArray(String[]::new)).build()) {
            long[] cycles = new long[500];
            for (int i = 0; i < cycles.length; i++) {
                long start = System.nanoTime();
                redlock.tryLock(LockRequest.of(RESOURCE + ":floor", Settings.TTL)).lease().orElseThrow().release();
                cycles[i] = System.nanoTime() - start;
            }
            Arrays.sort(cycles);
            return String.format(Locale.ROOT, "floor   engine uncontended lock+release p50 %.2f ms", cycles[cycles.length / 2] / 1e6);
        }
    }

    static String run(String impl, List<String> uris, int seconds, int workMillis) throws InterruptedException {
        List<Waiter> instances = new ArrayList<>();
        for (int i = 0; i < INSTANCES; i++) {
            instances.add(create(impl, uris));
        }
        int threads = INSTANCES * THREADS_PER_INSTANCE;
        long[] sections = new long[threads];
        List<Long> waits = Collections.synchronizedList(new ArrayList<>());
        List<Long> handOffs = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger timeouts = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger inside = new AtomicInteger();
        AtomicLong releasedAt = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            Waiter waiter = instances.get(t / THREADS_PER_INSTANCE);
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    while (running.get()) {
                        long asked = System.nanoTime();
                        Waiter.Release release = waiter.lock();
                        long granted = System.nanoTime();
                        if (release == null) {
                            timeouts.incrementAndGet();
                            continue;
                        }
                        waits.add(granted - asked);
                        long previous = releasedAt.get();
                        if (previous != 0 && previous - asked > 0) {
                            handOffs.add(granted - previous); // it was waiting when the holder released
                        }
                        if (inside.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        sections[index]++;
                        Thread.sleep(workMillis);
                        inside.decrementAndGet();
                        releasedAt.set(System.nanoTime());
                        release.release();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "waiting-" + impl + "-" + t);
            worker.start();
            workers.add(worker);
        }
        start.countDown();
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        running.set(false);
        for (Thread worker : workers) {
            worker.join();
        }
        instances.forEach(Waiter::close);
        long total = Arrays.stream(sections).sum();
        return String.format(Locale.ROOT,
                "waiting %-16s sections %d (%.1f/s, limit %d/s), per thread %d..%d, wait p50 %s p99 %s max %s,"
                        + " timed out %d, hand-off p50 %s p99 %s, overlaps %d",
                impl, total, total / (double) seconds, 1000 / workMillis, Arrays.stream(sections).min().orElse(0),
                Arrays.stream(sections).max().orElse(0), millis(waits, 0.50), millis(waits, 0.99), millis(waits, 1.0),
                timeouts.get(), millis(handOffs, 0.50), millis(handOffs, 0.99), overlaps.get());
    }

    private static String millis(List<Long> nanos, double quantile) {
        if (nanos.isEmpty()) {
            return "-";
        }
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        int index = Math.min(sorted.size() - 1, (int) Math.ceil(quantile * sorted.size()) - 1);
        return String.format(Locale.ROOT, "%.1f ms", sorted.get(Math.max(0, index)) / 1e6);
    }

    static Waiter create(String impl, List<String> uris) {
        return switch (impl) {
            case "engine" -> engine(uris);
            case "redissonLock" -> redisson(List.of(uris.get(0)), false);
            case "redissonRedLock" -> redisson(uris, true);
            default -> throw new IllegalArgumentException("unknown client '" + impl + "'; one of engine, redissonLock, redissonRedLock");
        };
    }

    private static Waiter engine(List<String> uris) {
        Redlock redlock = Redlock.builder().servers(uris.toArray(String[]::new)).timeout(Settings.NODE_TIMEOUT)
                .connectTimeout(Settings.CONNECT_TIMEOUT).build();
        LockRequest request = LockRequest.of(RESOURCE, Settings.TTL).withWaitTime(WAIT);
        return new Waiter() {
            @Override
            public @Nullable Release lock() {
                LockResult result = redlock.tryLock(request);
                Lease lease = result.lease().orElse(null);
                return lease == null ? null : lease::release;
            }

            @Override
            public void close() {
                redlock.close();
            }
        };
    }

    @SuppressWarnings("deprecation") // RedissonRedLock is deprecated by Redisson; it is the peer measured here
    private static Waiter redisson(List<String> uris, boolean redLock) {
        List<RedissonClient> clients = uris.stream().map(RedissonSupport::client).toList();
        return new Waiter() {
            @Override
            public @Nullable Release lock() throws InterruptedException {
                RLock lock;
                if (redLock) {
                    RLock[] locks = clients.stream().map(client -> client.getLock(RESOURCE)).toArray(RLock[]::new);
                    lock = new RedissonRedLock(locks);
                } else {
                    lock = clients.get(0).getLock(RESOURCE);
                }
                if (!lock.tryLock(WAIT.toMillis(), Settings.TTL.toMillis(), TimeUnit.MILLISECONDS)) {
                    return null;
                }
                return lock::unlock;
            }

            @Override
            public void close() {
                clients.parallelStream().forEach(RedissonSupport::shutdown);
            }
        };
    }
}
