package io.github.redlock.safety;

import io.github.redlock.Lease;
import io.github.redlock.LockFailure;
import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.Redlock;
import io.github.redlock.TestSwitches;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;

/**
 * Concurrent clients, each a thread with its own {@link Redlock} instance (own connections; the
 * Lettuce event loops are shared to spare the two cores), that repeatedly lock one of a few shared
 * resources, run a short critical section, and release. Every grant and every write goes to a
 * {@link MutualExclusionChecker}; the critical section increments a {@link SharedCounter} by
 * read, sleep, write.
 *
 * <p>All randomness (resource choice, section and think times) comes from the seed; the engine's
 * retry jitter does not (it uses its own random source), so a seed reproduces the workload, not
 * the exact interleaving.
 */
final class Workload implements AutoCloseable {

    static final class Settings {
        List<String> servers = List.of();
        String keyPrefix = "safety:";
        String clientPrefix = "client-";
        List<String> resources = List.of("r0", "r1", "r2");
        int clients = 8;
        Duration ttl = Duration.ofSeconds(3);
        Duration timeout = Duration.ofMillis(250);
        Duration waitTime = Duration.ofSeconds(2);
        int retryCount = 3;
        Duration retryDelay = Duration.ofMillis(10);
        Duration retryJitter = Duration.ofMillis(30);
        Duration reconnectInterval = Duration.ofMillis(200);
        int sectionMinMillis = 1;
        int sectionMaxMillis = 3;
        int thinkMaxMillis = 5;
        boolean fillIn = true;
        boolean keepAlive;
        long seed;

        Settings servers(List<String> servers) {
            this.servers = List.copyOf(servers);
            return this;
        }

        Settings keyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
            return this;
        }

        Settings clientPrefix(String clientPrefix) {
            this.clientPrefix = clientPrefix;
            return this;
        }

        Settings resources(List<String> resources) {
            this.resources = List.copyOf(resources);
            return this;
        }

        Settings clients(int clients) {
            this.clients = clients;
            return this;
        }

        Settings ttl(Duration ttl) {
            this.ttl = ttl;
            return this;
        }

        Settings timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        Settings waitTime(Duration waitTime) {
            this.waitTime = waitTime;
            return this;
        }

        Settings retryCount(int retryCount) {
            this.retryCount = retryCount;
            return this;
        }

        /** The engines' retry delay and jitter (default 10 ms and 30 ms). */
        Settings retry(Duration delay, Duration jitter) {
            this.retryDelay = delay;
            this.retryJitter = jitter;
            return this;
        }

        /** How long each critical section runs, in milliseconds (default 1 to 3). */
        Settings sections(int minMillis, int maxMillis) {
            this.sectionMinMillis = minMillis;
            this.sectionMaxMillis = maxMillis;
            return this;
        }

        /** Engines that do not fill in nodes after a grant: only to show what fill-in prevents. */
        Settings withoutFillIn() {
            this.fillIn = false;
            return this;
        }

        /** Leases renewed by the keep-alive while their sections run (default: none). */
        Settings keepAlive(boolean keepAlive) {
            this.keepAlive = keepAlive;
            return this;
        }

        Settings seed(long seed) {
            this.seed = seed;
            return this;
        }
    }

    private final Settings settings;
    private final MutualExclusionChecker checker;
    private final SharedCounter counter;
    private final ClientResources resources;
    private final List<Redlock> redlocks = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLongArray sectionsByClient;
    private volatile long lastGrantNanos = System.nanoTime();
    private final AtomicLong grants = new AtomicLong();
    private final Map<String, AtomicLong> writesByResource = new ConcurrentHashMap<>();
    private final Map<LockFailure, AtomicLong> failures = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Long> acquireNanos = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    private final AtomicLong releasesRefused = new AtomicLong();
    private final AtomicLong releasesRefusedInTime = new AtomicLong();
    private volatile boolean stopped;
    private boolean closed;

    private Workload(Settings settings, MutualExclusionChecker checker, SharedCounter counter) {
        this.settings = settings;
        this.checker = checker;
        this.counter = counter;
        this.sectionsByClient = new AtomicLongArray(settings.clients);
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
    }

    /** Builds every client's Redlock (connecting to the nodes) and starts their threads. */
    static Workload start(Settings settings, MutualExclusionChecker checker, SharedCounter counter) {
        Workload workload = new Workload(settings, checker, counter);
        try {
            for (int i = 0; i < settings.clients; i++) {
                Redlock.Builder builder = Redlock.builder();
                workload.redlocks.add((settings.fillIn ? builder : TestSwitches.withoutFillIn(builder))
                        .servers(settings.servers)
                        .keyPrefix(settings.keyPrefix)
                        .timeout(settings.timeout)
                        .retryCount(settings.retryCount)
                        .retryDelay(settings.retryDelay)
                        .retryJitter(settings.retryJitter)
                        .reconnectInterval(settings.reconnectInterval)
                        .requireQuorumOnStartup(false)
                        .clientResources(workload.resources)
                        .build());
            }
            for (int i = 0; i < settings.clients; i++) {
                int index = i;
                Thread thread = new Thread(() -> workload.runClient(index), settings.clientPrefix + i);
                thread.setDaemon(true);
                workload.threads.add(thread);
            }
            workload.threads.forEach(Thread::start);
            return workload;
        } catch (RuntimeException | Error e) {
            workload.close();
            throw e;
        }
    }

    private void runClient(int index) {
        String client = settings.clientPrefix + index;
        Redlock redlock = redlocks.get(index);
        Random random = new Random(settings.seed * 1_000_003L + index);
        try {
            while (!stopped) {
                String resource = settings.resources.get(random.nextInt(settings.resources.size()));
                long start = System.nanoTime();
                LockResult result = redlock.tryLock(LockRequest.of(resource, settings.ttl).withWaitTime(settings.waitTime)
                        .withKeepAlive(settings.keepAlive));
                long acquired = System.nanoTime();
                if (result.isAcquired()) {
                    lastGrantNanos = acquired;
                    grants.incrementAndGet();
                }
                if (!result.isAcquired()) {
                    failures.computeIfAbsent(result.failure(), f -> new AtomicLong()).incrementAndGet();
                    think(random);
                    continue;
                }
                Lease lease = result.leaseOrThrow();
                long remaining = lease.remaining().toNanos();
                // Measured after remaining(): the claim may come out a few microseconds long, never short.
                long validUntil = System.nanoTime() + remaining;
                acquireNanos.add(acquired - start);

                long value = counter.read(resource);
                sleepMillis(settings.sectionMinMillis
                        + random.nextInt(settings.sectionMaxMillis - settings.sectionMinMillis + 1));
                counter.write(resource, value + 1);
                checker.recordWork(new Work(resource, client, System.nanoTime()));
                writesByResource.computeIfAbsent(resource, r -> new AtomicLong()).incrementAndGet();

                long releaseInvoked = System.nanoTime();
                if (!redlock.release(lease)) {
                    releasesRefused.incrementAndGet();
                    if (System.nanoTime() - releaseInvoked < settings.timeout.toNanos()) {
                        releasesRefusedInTime.incrementAndGet();
                    }
                }
                checker.record(new Grant(resource, client, acquired, validUntil, releaseInvoked));
                sectionsByClient.incrementAndGet(index);
                think(random);
            }
        } catch (Throwable e) {
            errors.add(e);
        }
    }

    private void think(Random random) {
        if (settings.thinkMaxMillis > 0) {
            sleepMillis(random.nextInt(settings.thinkMaxMillis + 1));
        }
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** When a client was last granted a lock ({@link System#nanoTime()}). */
    long lastGrantNanos() {
        return lastGrantNanos;
    }

    /** Locks granted so far, by all clients. */
    long grants() {
        return grants.get();
    }

    /** Critical sections completed so far, by all clients. */
    long sections() {
        long total = 0;
        for (int i = 0; i < sectionsByClient.length(); i++) {
            total += sectionsByClient.get(i);
        }
        return total;
    }

    /** Waits until at least {@code more} further sections have completed. */
    void awaitMoreSections(long more, Duration bound) {
        long target = sections() + more;
        Bounded.await("at least " + target + " critical sections (now " + sections() + ")", bound,
                () -> sections() >= target || !errors.isEmpty());
    }

    /** Stops the clients and waits for them to finish their current call. */
    void stop() {
        stopped = true;
        long bound = settings.waitTime.plus(settings.ttl).plusSeconds(10).toNanos();
        long deadline = System.nanoTime() + bound;
        for (Thread thread : threads) {
            try {
                TimeUnit.NANOSECONDS.timedJoin(thread, Math.max(1, deadline - System.nanoTime()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stopping the workload", e);
            }
            if (thread.isAlive()) {
                throw new IllegalStateException(thread.getName() + " did not stop within " + bound / 1_000_000 + " ms");
            }
        }
    }

    Redlock redlock(int client) {
        return redlocks.get(client);
    }

    /** Sections per client, by client name. */
    Map<String, Long> sectionsByClient() {
        Map<String, Long> sections = new TreeMap<>();
        for (int i = 0; i < sectionsByClient.length(); i++) {
            sections.put(settings.clientPrefix + i, sectionsByClient.get(i));
        }
        return sections;
    }

    /** Writes done per resource; the counter of each must equal it. */
    Map<String, Long> writesByResource() {
        Map<String, Long> writes = new TreeMap<>();
        writesByResource.forEach((resource, count) -> writes.put(resource, count.get()));
        return writes;
    }

    Map<LockFailure, Long> failures() {
        Map<LockFailure, Long> counts = new EnumMap<>(LockFailure.class);
        failures.forEach((failure, count) -> counts.put(failure, count.get()));
        return counts;
    }

    /** Releases that returned false: fewer than a quorum of nodes answered in time that they released it. */
    long releasesRefused() {
        return releasesRefused.get();
    }

    /**
     * Releases that returned false within the per-node timeout, so enough nodes answered but did
     * not hold our value: the lock was gone before release, which only a stale holder explains.
     */
    long releasesRefusedInTime() {
        return releasesRefusedInTime.get();
    }

    List<Throwable> errors() {
        return List.copyOf(errors);
    }

    /** Acquisition times (of calls that acquired), sorted, in milliseconds. */
    List<Double> acquireMillis() {
        return acquireNanos.stream().sorted().map(nanos -> nanos / 1e6).toList();
    }

    Settings settings() {
        return settings;
    }

    SharedCounter counter() {
        return counter;
    }

    /** Stops the clients, closes every Redlock (releasing what they still hold) and the event loops. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!threads.isEmpty()) {
                stop();
            }
        } finally {
            redlocks.forEach(Redlock::close);
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    /** Bounded polling. */
    static final class Bounded {
        private Bounded() {
        }

        static void await(String what, Duration bound, BooleanSupplier condition) {
            long deadline = System.nanoTime() + bound.toNanos();
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("timed out after " + bound.toMillis() + " ms waiting for " + what);
                }
                sleepMillis(10);
            }
        }
    }
}
