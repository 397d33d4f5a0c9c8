package io.github.redlock.benchmarks;

import io.github.redlock.LockResult;
import io.github.redlock.Redlock;
import io.github.redlock.test.RedisNodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import org.redisson.RedissonRedLock;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;

/**
 * The burst shape: {@code THREADS} platform threads, released together, each locking its own
 * resource once (nothing contended), on 3 local nodes: the engine with its default settings,
 * Redisson's RedLock with its defaults except the 100 ms per-node timeout all benchmark clients
 * share ({@link RedissonSupport}). Per
 * burst: how many were granted, the time until the last grant, and the p50/p99 acquisition latency
 * of the granted ones. The first burst of a fresh JVM (cold JIT) is the one the issue measured.
 * Run each client in its own JVM:
 *
 * <pre>java -cp benchmarks.jar io.github.redlock.benchmarks.BurstCheck engine|redissonRedLock [THREADS [BURSTS]]</pre>
 * Defaults: 2,000 threads, 3 bursts. Locks are released after the whole burst was granted.
 */
public final class BurstCheck {

    private static final Duration TTL = Duration.ofSeconds(30);

    private BurstCheck() {
    }

    /** One client's lock call: the action that releases the lock when granted, null when not. */
    private interface Client extends AutoCloseable {
        @Nullable Runnable lock(String resource);

        @Override
        void close();
    }

    public static void main(String[] args) throws InterruptedException {
        String impl = args.length > 0 ? args[0] : "engine";
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        int bursts = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        try (RedisNodes nodes = RedisNodes.start(3); Client client = client(impl, nodes.uris())) {
            for (int burst = 1; burst <= bursts; burst++) {
                run(impl, client, threads, burst);
            }
        }
    }

    private static Client client(String impl, List<String> uris) {
        return switch (impl) {
            case "engine" -> engine(uris);
            case "redissonRedLock" -> redissonRedLock(uris);
            default -> throw new IllegalArgumentException("unknown impl '" + impl + "'; one of engine, redissonRedLock");
        };
    }

    private static Client engine(List<String> uris) {
        Redlock redlock = Redlock.builder().servers(uris).build(); // default settings
        return new Client() {
            @Override
            public @Nullable Runnable lock(String resource) {
                LockResult result = redlock.tryLock(resource, TTL);
                return result.lease().<Runnable>map(lease -> () -> redlock.release(lease)).orElse(null);
            }

            @Override
            public void close() {
                redlock.close();
            }
        };
    }

    @SuppressWarnings("deprecation") // RedissonRedLock is deprecated by Redisson; it is the peer measured here
    private static Client redissonRedLock(List<String> uris) {
        List<RedissonClient> clients = new ArrayList<>();
        for (String uri : uris) {
            clients.add(RedissonSupport.client(uri));
        }
        BiFunction<RedissonRedLock, String, @Nullable Runnable> tryLock = (lock, resource) -> {
            try {
                return lock.tryLock(0, TTL.toMillis(), TimeUnit.MILLISECONDS) ? lock::unlock : null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        };
        return new Client() {
            @Override
            public @Nullable Runnable lock(String resource) {
                RLock[] locks = clients.stream().map(c -> c.getLock(resource)).toArray(RLock[]::new);
                return tryLock.apply(new RedissonRedLock(locks), resource);
            }

            @Override
            public void close() {
                clients.parallelStream().forEach(RedissonSupport::shutdown);
            }
        };
    }

    private static void run(String impl, Client client, int threads, int burst) throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(threads);
        CountDownLatch release = new CountDownLatch(1);
        long[] latencies = new long[threads];
        AtomicInteger granted = new AtomicInteger();
        long[] start = new long[1];
        for (int i = 0; i < threads; i++) {
            int index = i;
            Thread thread = new Thread(() -> {
                @Nullable Runnable unlock = null;
                try {
                    ready.countDown();
                    go.await();
                    unlock = client.lock("burst-" + burst + "-" + index);
                    latencies[index] = unlock != null ? System.nanoTime() - start[0] : -1;
                    if (unlock != null) {
                        granted.incrementAndGet();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
                if (unlock != null) {
                    try {
                        release.await(5, TimeUnit.MINUTES);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    unlock.run();
                }
            }, "burst");
            thread.setDaemon(true);
            thread.start();
        }
        ready.await(2, TimeUnit.MINUTES);
        start[0] = System.nanoTime();
        go.countDown();
        if (!done.await(5, TimeUnit.MINUTES)) {
            System.out.println("WARNING: the burst did not end within 5 minutes");
        }
        long[] ok = Arrays.stream(latencies).filter(l -> l >= 0).sorted().toArray();
        System.out.printf(Locale.ROOT, "burst %s, %d threads, burst %d%s: granted %d of %d, last grant after %.0f ms,"
                        + " p50 %.0f ms, p99 %.0f ms%n", impl, threads, burst, burst == 1 ? " (cold JVM)" : "",
                granted.get(), threads, ms(ok, 1.0), ms(ok, 0.5), ms(ok, 0.99));
        release.countDown();
    }

    private static double ms(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }
}
