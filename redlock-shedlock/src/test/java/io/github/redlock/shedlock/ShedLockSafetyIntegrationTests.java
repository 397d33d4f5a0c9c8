package io.github.redlock.shedlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.NodeHealth;
import io.github.redlock.Redlock;
import io.github.redlock.safety.Grant;
import io.github.redlock.safety.MutualExclusionChecker;
import io.github.redlock.safety.Work;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The safety suite's exclusion checker over the ShedLock path: four application instances (each its
 * own Redlock and {@link RedlockLockProvider}, two task threads each) run two ShedLock-locked tasks
 * over five real nodes, each task an unsynchronised read-sleep-write of a counter, while one node is
 * killed (SIGKILL) and another paused (SIGSTOP), then both brought back. Every section is recorded as
 * a claim from the moment {@code lock} returned to the moment {@code unlock} was called, cut where
 * the Redlock lease's validity ends, as in redlock-core's safety suite. No two claims on one task may
 * overlap, no write may fall outside its writer's claim, and every counter must be exact.
 */
@Timeout(120)
class ShedLockSafetyIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(5);

    private static final Duration LOCK_AT_MOST_FOR = Duration.ofSeconds(2);
    private static final List<String> TASKS = List.of("task-a", "task-b");
    private static final int INSTANCES = 4;
    private static final int THREADS_PER_INSTANCE = 2;

    private final List<Redlock> opened = new ArrayList<>();
    private final List<Thread> workers = new ArrayList<>();
    private final MutualExclusionChecker checker = new MutualExclusionChecker();
    private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> sections = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();
    private final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    private volatile boolean stopped;

    @AfterEach
    void stop() throws InterruptedException {
        stopWorkers();
        opened.forEach(Redlock::close);
    }

    private void stopWorkers() throws InterruptedException {
        stopped = true;
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    private Redlock instance() {
        Redlock redlock = Redlock.builder().servers(redis.uris()).keyPrefix("safety:").timeout(Duration.ofMillis(250))
                .retryDelay(Duration.ofMillis(50)).retryJitter(Duration.ofMillis(50))
                .reconnectInterval(Duration.ofMillis(100)).build();
        opened.add(redlock);
        return redlock;
    }

    private void startWorkers(long seed) {
        for (int i = 0; i < INSTANCES; i++) {
            LockProvider provider = new RedlockLockProvider(instance());
            for (int t = 0; t < THREADS_PER_INSTANCE; t++) {
                String client = "instance-" + i + "/thread-" + t;
                Random random = new Random(seed * 31 + i * 7L + t);
                Thread worker = new Thread(() -> work(provider, client, random), client);
                worker.setDaemon(true);
                workers.add(worker);
                worker.start();
            }
        }
    }

    private void work(LockProvider provider, String client, Random random) {
        try {
            while (!stopped) {
                String task = TASKS.get(random.nextInt(TASKS.size()));
                Optional<SimpleLock> lock = provider.lock(new LockConfiguration(ClockProvider.now(), task,
                        LOCK_AT_MOST_FOR, Duration.ZERO));
                long acquired = System.nanoTime();
                if (lock.isEmpty()) {
                    Thread.sleep(random.nextInt(5));
                    continue;
                }
                long remaining = ((RedlockSimpleLock) lock.get()).lease().remaining().toNanos();
                // Measured after remaining(): the claim may come out a few microseconds long, never short.
                long validUntil = System.nanoTime() + remaining;
                AtomicLong counter = counters.computeIfAbsent(task, k -> new AtomicLong());
                long value = counter.get();
                Thread.sleep(1 + random.nextInt(10));
                counter.set(value + 1);
                checker.recordWork(new Work(task, client, System.nanoTime()));
                sections.computeIfAbsent(task, k -> new AtomicLong()).incrementAndGet();
                long releaseInvoked = System.nanoTime();
                lock.get().unlock();
                checker.record(new Grant(task, client, acquired, validUntil, releaseInvoked));
                total.incrementAndGet();
                Thread.sleep(random.nextInt(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            errors.add(e);
        }
    }

    private long awaitMoreSections(long more) {
        long target = total.get() + more;
        await().atMost(Duration.ofSeconds(30)).until(() -> total.get() >= target);
        return total.get();
    }

    @Test
    void noOverlapWhileNodesAreKilledAndPaused() throws Exception {
        long seed = System.nanoTime();
        startWorkers(seed);
        long beforeFaults = awaitMoreSections(30);

        long faultAt = System.nanoTime();
        redis.node(0).kill();
        redis.node(1).pause();
        long duringFaults = awaitMoreSections(50) - beforeFaults;

        redis.node(1).resume();
        // A delayed restart: down for longer than the TTL, so that the node forgets only expired keys.
        long downFor = LOCK_AT_MOST_FOR.plusMillis(500).toNanos() - (System.nanoTime() - faultAt);
        if (downFor > 0) {
            TimeUnit.NANOSECONDS.sleep(downFor);
        }
        redis.node(0).start();
        await().atMost(Duration.ofSeconds(20)).until(() -> opened.stream()
                .allMatch(redlock -> redlock.checkNodes().stream().allMatch(NodeHealth::up)));
        long restarted = total.get();
        long afterwards = awaitMoreSections(30) - restarted;
        stopWorkers();
        System.out.printf("ShedLock path over 5 nodes (seed %d): %d sections (%d while 1 node was killed and 1 paused,"
                + " %d after they came back), %d overlaps, %d stale writes%n", seed, total.get(), duringFaults, afterwards,
                checker.overlaps().size(), checker.staleWrites().size());

        assertThat(errors).as("task errors (seed %d)", seed).isEmpty();
        assertThat(checker.overlaps()).as("overlapping claims (seed %d)", seed).isEmpty();
        assertThat(checker.staleWrites()).as("stale writes (seed %d)", seed).isEmpty();
        sections.forEach((task, count) -> assertThat(counters.get(task).get())
                .as("counter of %s after %d sections", task, count.get()).isEqualTo(count.get()));
        assertThat(duringFaults).as("sections while a node was killed and another paused").isPositive();
        assertThat(afterwards).as("sections after the nodes came back").isPositive();
        assertThat(checker.size()).as("claims checked").isEqualTo(total.get());
    }
}
