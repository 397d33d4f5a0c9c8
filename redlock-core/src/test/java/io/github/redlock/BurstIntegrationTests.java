package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A burst of uncontended locks, default settings, three real nodes: every thread locks its own
 * resource once, all released at the same moment. Nothing is contended, so every lock must be
 * granted however busy this JVM is.
 */
class BurstIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final Duration TTL = Duration.ofSeconds(30);

    private static Redlock redlock;

    @BeforeAll
    static void connect() {
        redlock = Redlock.builder().servers(redis.uris()).build();
    }

    @AfterAll
    static void close() {
        redlock.close();
    }

    @Test
    void aBurstOf2000PlatformThreadsIsGrantedInFull() throws InterruptedException {
        int threads = 2_000;
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(threads);
        AtomicInteger granted = new AtomicInteger();
        Map<String, Integer> failures = new ConcurrentHashMap<>();
        Map<Integer, Integer> attempts = new ConcurrentHashMap<>();
        List<Thread> started = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            String resource = "burst-" + i;
            Thread thread = new Thread(() -> {
                try {
                    ready.countDown();
                    go.await();
                    LockResult result = redlock.tryLock(resource, TTL);
                    attempts.merge(result.attempts(), 1, Integer::sum);
                    if (result.isAcquired()) {
                        granted.incrementAndGet();
                    } else {
                        failures.merge(result.failure() + " " + result.nodes(), 1, Integer::sum);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            }, "burst-" + i);
            thread.setDaemon(true);
            thread.start();
            started.add(thread);
        }
        assertThat(ready.await(60, TimeUnit.SECONDS)).isTrue();
        long start = System.nanoTime();
        go.countDown();
        assertThat(done.await(120, TimeUnit.SECONDS)).isTrue();
        System.out.println("burst took " + (System.nanoTime() - start) / 1_000_000 + " ms; attempts " + new TreeMap<>(attempts));

        System.out.println("burst of " + threads + ": " + granted.get() + " granted; failures: " + new TreeMap<>(failures).keySet().stream().limit(3).toList());
        assertThat(granted.get()).as("granted of %d, failures %s", threads, failures.values()).isEqualTo(threads);
    }
}
