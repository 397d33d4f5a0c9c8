package io.github.redlock.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.test.RedisNodes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The benchmarked code paths work against real nodes, so a benchmark run measures what it claims:
 * every client locks and releases, none lets two threads into a critical section, and the engine
 * opens no connection and starts no thread per call. (The benchmark runs themselves are not part of CI.)
 */
class LockTargetsIntegrationTests {

    private static final Pattern CONNECTED_CLIENTS = Pattern.compile("connected_clients:(\\d+)");

    private static RedisNodes nodes;

    @BeforeAll
    static void start() {
        nodes = RedisNodes.start(3);
    }

    @AfterAll
    static void stop() {
        nodes.close();
    }

    private static List<String> uris(String impl) {
        return impl.equals("redissonLock") || impl.equals("springIntegration") ? nodes.uris().subList(0, 1) : nodes.uris();
    }

    @ParameterizedTest
    @ValueSource(strings = {"engine", "limit", "redissonRedLock", "redissonLock", "springIntegration", "springDirect",
        "springAdvice", "springObserved"})
    void locksAndReleasesFreshResources(String impl) {
        AtomicInteger sections = new AtomicInteger();
        try (LockTarget target = LockTarget.create(impl, uris(impl))) {
            for (int i = 0; i < 20; i++) {
                assertThat(target.cycle("it:" + impl + ":" + i, sections::incrementAndGet)).isTrue();
            }
        }
        assertThat(sections).hasValue(20);
        assertThat(lockKeys()).as("lock keys left on the nodes").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"engine", "limit", "redissonRedLock", "redissonLock", "springIntegration", "springDirect",
        "springAdvice", "springObserved"})
    void neverLetsTwoThreadsIntoTheCriticalSection(String impl) throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger granted = new AtomicInteger();
        Runnable section = () -> {
            if (inside.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
            }
            Thread.onSpinWait();
            inside.decrementAndGet();
        };
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try (LockTarget target = LockTarget.create(impl, uris(impl))) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        if (target.cycle("it:contended:" + impl, section)) {
                            granted.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(overlaps).hasValue(0);
        assertThat(granted.get()).isPositive();
    }

    @Test
    void engineCreatesNoConnectionOrThreadPerCall() {
        try (EngineTarget target = new EngineTarget(nodes.uris())) {
            Runnable nothing = () -> { };
            for (int i = 0; i < 50; i++) {
                target.cycle("it:warm:" + i, nothing);
            }
            int threadsBefore = Thread.activeCount();
            List<Integer> clientsBefore = connectedClients();
            for (int i = 0; i < 500; i++) {
                assertThat(target.cycle("it:steady:" + i, nothing)).isTrue();
            }
            assertThat(Thread.activeCount()).isLessThanOrEqualTo(threadsBefore);
            assertThat(connectedClients()).isEqualTo(clientsBefore);
        }
    }

    /** The lock keys of fresh-resource cycles (Redisson also leaves short-lived unlock-latch keys; not counted). */
    private static List<Object> lockKeys() {
        List<Object> keys = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String pattern : List.of("it:*", "bench:it:*")) {
                keys.addAll((List<?>) nodes.node(i).command("KEYS", pattern));
            }
        }
        return keys;
    }

    private static List<Integer> connectedClients() {
        List<Integer> clients = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Object info = nodes.node(i).command("INFO", "clients");
            Matcher m = CONNECTED_CLIENTS.matcher(String.valueOf(info));
            clients.add(m.find() ? Integer.parseInt(m.group(1)) : -1);
        }
        return clients;
    }
}
