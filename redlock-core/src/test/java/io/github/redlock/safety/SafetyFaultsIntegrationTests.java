package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Lease;
import io.github.redlock.LockFailure;
import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.NodeHealth;
import io.github.redlock.NodeOutcome;
import io.github.redlock.NodeStatus;
import io.github.redlock.Redlock;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fault scenarios of the safety suite: concurrent clients, each with its own Redlock, lock
 * three shared resources on five real redis-server nodes while nodes are killed, paused, or cut
 * off by a proxy; a {@link MutualExclusionChecker} and a read-sleep-write counter judge the
 * result. Each test is bounded in time, logs its seed, and runs alone, for example
 * {@code -Dit.test='SafetyFaultsIntegrationTests#minorityKilled*'}. Figures go to
 * {@link SafetySummary}.
 */
@Timeout(120)
@ExtendWith(SafetySummary.class)
class SafetyFaultsIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(5).withProxies();

    private static final int NODES = 5;
    private static final Duration TIMEOUT = Duration.ofMillis(250);

    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(opened);
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
    }

    private <T extends AutoCloseable> T open(T closeable) {
        opened.add(closeable);
        return closeable;
    }

    private static Workload.Settings workload(String prefix, long seed) {
        return new Workload.Settings().servers(redis.uris()).keyPrefix(prefix).timeout(TIMEOUT).seed(seed);
    }

    private Redlock redlock(List<String> servers, int retryCount) {
        return open(Redlock.builder().servers(servers).timeout(TIMEOUT).retryCount(retryCount)
                .retryDelay(Duration.ofMillis(50)).retryJitter(Duration.ofMillis(50))
                .reconnectInterval(Duration.ofMillis(100)).requireQuorumOnStartup(false).build());
    }

    /**
     * The checks every workload must pass: no client error, no overlap, no stale write, every
     * counter exact, and (after the workload closed) no key of ours left on any node.
     */
    private static void assertSafe(Workload workload, MutualExclusionChecker checker, Duration leftoverBound) {
        assertSafe(workload, checker, leftoverBound, left -> "");
    }

    /** As above; {@code explain} describes the keys left, for the failure message. */
    private static void assertSafe(Workload workload, MutualExclusionChecker checker, Duration leftoverBound,
            Function<List<String>, String> explain) {
        assertThat(workload.errors()).as("client errors").isEmpty();
        assertThat(checker.overlaps()).as("overlapping claims").isEmpty();
        assertThat(checker.staleWrites()).as("stale writes").isEmpty();
        Map<String, Long> writes = workload.writesByResource();
        writes.forEach((resource, count) ->
                assertThat(workload.counter().value(resource)).as("counter of %s", resource).isEqualTo(count));
        List<String> left = Nodes.awaitNoKeys(redis, NODES, workload.settings().keyPrefix, leftoverBound);
        assertThat(left).as("keys of ours left on the nodes%s", explain.apply(left)).isEmpty();
    }

    private static String figures(Workload workload) {
        List<Double> millis = workload.acquireMillis();
        String latency = millis.isEmpty() ? "" : String.format(Locale.ROOT, "; acquire p50 %.0f ms, max %.0f ms",
                millis.get(millis.size() / 2), millis.get(millis.size() - 1));
        return workload.settings().clients + " clients, sections per client " + workload.sectionsByClient().values()
                + ", failed calls " + workload.failures() + ", releases false " + workload.releasesRefused() + latency;
    }

    @Test
    void steadyContentionKeepsMutualExclusionWithoutStarvation() {
        SafetySummary.Run run = SafetySummary.start("1 steady contention");
        boolean soak = SafetySummary.soak();
        MutualExclusionChecker checker = new MutualExclusionChecker();
        Workload workload = open(Workload.start(workload("s1:", run.seed()).clients(soak ? 16 : 8), checker,
                SharedCounter.inMemory()));

        Nodes.sleep(soak ? Duration.ofSeconds(60) : Duration.ofSeconds(8));
        workload.close();

        run.done(workload.sections(), 0, checker.overlaps().size(), checker.staleWrites().size(), figures(workload));
        assertSafe(workload, checker, Duration.ZERO);
        assertThat(workload.sectionsByClient()).as("every client wins sometimes").allSatisfy((client, sections) ->
                assertThat(sections).as(client).isPositive());
        assertThat(workload.releasesRefusedInTime()).as("releases that found the lock gone").isZero();
    }

    @Test
    void minorityKilledThenBackAfterTheTtlKeepsLocking() {
        SafetySummary.Run run = SafetySummary.start("2 minority killed (SIGKILL), back after TTL");
        Duration ttl = Duration.ofSeconds(2);
        MutualExclusionChecker checker = new MutualExclusionChecker();
        Workload workload = open(Workload.start(workload("s2:", run.seed()).ttl(ttl), checker, SharedCounter.inMemory()));
        int faults = 0;
        int cycles = SafetySummary.soak() ? 10 : 1;
        long duringOutage = 0;
        long afterwards = 0;
        for (int cycle = 0; cycle < cycles; cycle++) {
            workload.awaitMoreSections(30, Duration.ofSeconds(30));
            long killedAt = System.nanoTime();
            Random random = new Random(run.seed() + cycle);
            int first = random.nextInt(NODES);
            int second = (first + 1 + random.nextInt(NODES - 1)) % NODES;
            redis.node(first).kill();
            redis.node(second).kill();
            faults += 2;
            long before = workload.sections();
            workload.awaitMoreSections(30, Duration.ofSeconds(30));
            // Delayed restart: down for longer than the largest TTL, so the nodes forget only expired keys.
            long downFor = ttl.plusMillis(500).toNanos() - (System.nanoTime() - killedAt);
            if (downFor > 0) {
                Nodes.sleep(Duration.ofNanos(downFor));
            }
            duringOutage += workload.sections() - before;
            redis.node(first).start();
            redis.node(second).start();
            Workload.Bounded.await("every client to reconnect to the restarted nodes", Duration.ofSeconds(20),
                    () -> workload.redlock(0).checkNodes().stream().allMatch(NodeHealth::up));
            long restarted = workload.sections();
            workload.awaitMoreSections(30, Duration.ofSeconds(30));
            afterwards += workload.sections() - restarted;
        }
        workload.close();

        run.done(workload.sections(), faults, checker.overlaps().size(), checker.staleWrites().size(),
                duringOutage + " sections while 2 of 5 were down, " + afterwards + " after; " + figures(workload));
        assertSafe(workload, checker, Duration.ZERO);
        assertThat(duringOutage).as("sections while the minority was down").isPositive();
        assertThat(afterwards).as("sections after the restart").isPositive();
    }

    @Test
    void minorityPausedKeepsAcquisitionBoundedAndLateSetsGoAway() throws Exception {
        SafetySummary.Run run = SafetySummary.start("3 minority paused (SIGSTOP) and resumed");
        Duration ttl = Duration.ofSeconds(2);
        MutualExclusionChecker checker = new MutualExclusionChecker();
        Workload workload = open(Workload.start(workload("s3:", run.seed()).ttl(ttl), checker, SharedCounter.inMemory()));
        Redlock probe = redlock(redis.uris(), 2);
        workload.awaitMoreSections(30, Duration.ofSeconds(30));

        redis.node(0).pause();
        redis.node(1).pause();
        long pausedAt = System.nanoTime();
        long before = workload.sections();
        List<Long> probeNanos = new ArrayList<>();
        List<LockResult> probes = new ArrayList<>();
        Duration pause = SafetySummary.soak() ? Duration.ofSeconds(30) : Duration.ofSeconds(3);
        while (System.nanoTime() - pausedAt < pause.toNanos() || probes.size() < 5) {
            long start = System.nanoTime();
            LockResult result = probe.tryLock("s3-probe", ttl);
            probeNanos.add(System.nanoTime() - start);
            probes.add(result);
            result.lease().ifPresent(probe::release);
            Nodes.sleep(Duration.ofMillis(50));
        }
        workload.awaitMoreSections(20, Duration.ofSeconds(30));
        long duringPause = workload.sections() - before;
        redis.node(0).resume();
        redis.node(1).resume();
        List<String> justAfterResume = new ArrayList<>();
        justAfterResume.addAll(Nodes.keys(redis.node(0), "s3"));
        justAfterResume.addAll(Nodes.keys(redis.node(1), "s3"));
        workload.close();
        List<String> left = Nodes.awaitNoKeys(redis, NODES, "s3", ttl.plusSeconds(3));

        Collections.sort(probeNanos);
        double p50 = probeNanos.get(probeNanos.size() / 2) / 1e6;
        double max = probeNanos.get(probeNanos.size() - 1) / 1e6;
        run.done(workload.sections(), 2, checker.overlaps().size(), checker.staleWrites().size(), String.format(Locale.ROOT,
                "%d sections during the pause; uncontended probe p50 %.0f ms, max %.0f ms (per-node timeout %d ms);"
                        + " %d keys on the paused nodes just after resume; %s",
                duringPause, p50, max, TIMEOUT.toMillis(), justAfterResume.size(), figures(workload)));
        assertThat(left).as("late SETs released or expired").isEmpty();
        assertSafe(workload, checker, Duration.ZERO);
        assertThat(duringPause).isPositive();
        assertThat(probes).as("probe attempts while 2 of 5 were paused").allMatch(LockResult::isAcquired);
        // Granted on the first quorum of replies: an attempt never waits for the paused nodes' timeout.
        assertThat(p50).as("median probe latency (ms)").isLessThan(TIMEOUT.toMillis());
        long bound = 3 * 2 * TIMEOUT.toMillis() + 2 * 100 + 2_000;
        assertThat(max).as("slowest probe (ms), bounded by retries x timeout + slack").isLessThan(bound);
    }

    @Test
    void majorityDownFailsEveryAttemptPromptlyWithPerNodeDetail() throws Exception {
        SafetySummary.Run run = SafetySummary.start("4 majority down (2 paused, 1 killed)");
        Duration ttl = Duration.ofSeconds(2);
        MutualExclusionChecker checker = new MutualExclusionChecker();
        int clients = 4;
        int retryCount = 2;
        List<Redlock> redlocks = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            redlocks.add(open(Redlock.builder().servers(redis.uris()).keyPrefix("s4:").timeout(TIMEOUT)
                    .retryCount(retryCount).retryDelay(Duration.ofMillis(50)).retryJitter(Duration.ofMillis(50))
                    .requireQuorumOnStartup(false).build()));
        }
        redis.node(0).pause();
        redis.node(1).pause();
        redis.node(2).kill();

        record Call(LockResult result, long nanos) {
        }
        ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                Redlock redlock = redlocks.get(i);
                String client = "client-" + i;
                Random random = new Random(run.seed() + i);
                done.add(pool.submit((Callable<Void>) () -> {
                    go.await();
                    for (int call = 0; call < 2; call++) {
                        String resource = "r" + random.nextInt(3);
                        long start = System.nanoTime();
                        LockResult result = redlock.tryLock(resource, ttl);
                        long took = System.nanoTime() - start;
                        calls.add(new Call(result, took));
                        result.lease().ifPresent(lease -> checker.record(
                                new Grant(resource, client, start, start + ttl.toNanos(), Long.MAX_VALUE)));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        redis.node(0).resume();
        redis.node(1).resume();
        redis.node(2).start();
        List<String> left = Nodes.awaitNoKeys(redis, NODES, "s4:", ttl.plusSeconds(3));

        long slowest = calls.stream().mapToLong(Call::nanos).max().orElse(0) / 1_000_000;
        run.done(0, 3, checker.overlaps().size(), 0, calls.size() + " calls, " + (retryCount + 1)
                + " attempts each, none granted; slowest call " + slowest + " ms");
        assertThat(checker.size()).as("grants").isZero();
        assertThat(left).as("late SETs released or expired").isEmpty();
        // Each attempt waits at most a timeout for its SETs and one for the release, plus the retry delays.
        long bound = (retryCount + 1) * 2 * TIMEOUT.toMillis() + retryCount * 100 + 2_000;
        assertThat(calls).hasSize(clients * 2).allSatisfy(call -> {
            LockResult result = call.result();
            assertThat(result.isAcquired()).isFalse();
            assertThat(result.failure()).isEqualTo(LockFailure.UNAVAILABLE);
            assertThat(result.attempts()).isEqualTo(retryCount + 1);
            assertThat(call.nanos() / 1_000_000).as("call took (ms)").isLessThan(bound);
            List<NodeOutcome> nodes = result.nodes();
            assertThat(nodes).extracting(NodeOutcome::node).containsExactlyElementsOf(redis.uris());
            assertThat(nodes.get(0).status()).isEqualTo(NodeStatus.TIMEOUT);
            assertThat(nodes.get(0).detail()).contains("no reply within " + TIMEOUT.toMillis() + " ms");
            assertThat(nodes.get(1).status()).isEqualTo(NodeStatus.TIMEOUT);
            assertThat(nodes.get(2).status()).isEqualTo(NodeStatus.ERROR);
            assertThat(nodes.get(2).detail()).isNotBlank();
            // The two live nodes granted, or held the key of another client's concurrent attempt.
            assertThat(nodes.subList(3, 5)).extracting(NodeOutcome::status)
                    .containsAnyOf(NodeStatus.OK, NodeStatus.HELD_BY_OTHER).doesNotContain(NodeStatus.ERROR, NodeStatus.TIMEOUT);
        });
    }

    @Test
    void repliesDroppedFromTwoNodesGrantThroughTheOtherThreeAndReleaseOnAllFive() {
        SafetySummary.Run run = SafetySummary.start("5a proxy drops replies of 2 of 5 nodes");
        Redlock redlock = redlock(redis.proxiedUris(), 3);
        redis.proxy(0).dropReplies();
        redis.proxy(1).dropReplies();

        LockResult result = redlock.tryLock("s5a", Duration.ofSeconds(10));
        Lease lease = result.leaseOrThrow();
        // The SETs whose answers were lost did land.
        Workload.Bounded.await("the SETs behind the dropping proxies to land", Duration.ofSeconds(2),
                () -> lease.value().equals(redis.node(0).command("GET", "s5a"))
                        && lease.value().equals(redis.node(1).command("GET", "s5a")));
        boolean released = redlock.release(lease);
        List<String> left = Nodes.awaitNoKeys(redis, NODES, "s5a", Duration.ofSeconds(2));

        // Then many clients, connected through the proxies before two of them start dropping answers.
        redis.proxy(0).pass();
        redis.proxy(1).pass();
        redis.proxy(0).resetConnections();
        redis.proxy(1).resetConnections();
        MutualExclusionChecker checker = new MutualExclusionChecker();
        List<CommandLog> logs = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            logs.add(open(CommandLog.start(redis.node(i).port(), "s5:")));
        }
        Workload workload = open(Workload.start(workload("s5:", run.seed()).servers(redis.proxiedUris()).clients(4)
                .ttl(Duration.ofSeconds(10)), checker, SharedCounter.inMemory()));
        workload.awaitMoreSections(10, Duration.ofSeconds(30));
        redis.proxy(0).dropReplies();
        redis.proxy(1).dropReplies();
        long before = workload.sections();
        workload.awaitMoreSections(20, Duration.ofSeconds(30));
        Nodes.sleep(Duration.ofSeconds(SafetySummary.soak() ? 30 : 2));
        long whileDropping = workload.sections() - before;
        workload.close();

        run.done(workload.sections() + 1, 2, checker.overlaps().size(), checker.staleWrites().size(),
                "single lock granted with " + result.nodes().stream().filter(n -> n.status() == NodeStatus.OK).count()
                        + " OK; " + whileDropping + " sections while answers were dropped; " + figures(workload));
        assertThat(released).as("release answered by a quorum").isTrue();
        assertThat(left).as("released on all five, also where the answer was lost").isEmpty();
        // TTL 10 s: keys gone within 1 s were released, not expired (issue 23: a release to a node
        // whose silent connection was retired was dropped; a failure shows each key's history).
        assertSafe(workload, checker, Duration.ofSeconds(1), keys -> history(keys, logs));
        assertThat(whileDropping).isPositive();
    }

    /** What each node ran with the value of each key left (see {@link CommandLog}), for a failure message. */
    private static String history(List<String> left, List<CommandLog> logs) {
        StringBuilder history = new StringBuilder();
        for (String entry : left) {
            int node = Integer.parseInt(entry.substring("node ".length(), entry.indexOf(':')));
            String key = entry.substring(entry.indexOf(": ") + 2);
            boolean string = "string".equals(redis.node(node).command("TYPE", key));
            Object value = string ? redis.node(node).command("GET", key)
                    : redis.node(node).command("ZRANGE", key, "0", "-1", "WITHSCORES"); // a waiter queue
            history.append("\n").append(entry).append(" = ").append(value).append(", pttl ")
                    .append(redis.node(node).command("PTTL", key));
            if (value instanceof String v) {
                for (int i = 0; i < logs.size(); i++) {
                    for (String line : logs.get(i).linesWith(v)) {
                        history.append("\n  node ").append(i).append(": ").append(line);
                    }
                }
            }
        }
        return history.toString();
    }

    @Test
    void repliesSlowerThanTheTimeoutOrTheValidityGrantNothingAndLeaveNothing() {
        SafetySummary.Run run = SafetySummary.start("5b proxy delays longer than timeout / validity");
        Redlock redlock = redlock(redis.proxiedUris(), 0);
        for (int i = 0; i < 3; i++) {
            redis.proxy(i).delay(Duration.ofMillis(600));
        }

        LockResult slow = redlock.tryLock("s5b", Duration.ofSeconds(10));
        // The SETs and the releases passed the proxies at once; only the answers were late.
        List<String> leftBehindTimeouts = Nodes.awaitNoKeys(redis, NODES, "s5b", Duration.ofSeconds(2));

        Redlock patient = open(Redlock.builder().servers(redis.proxiedUris()).timeout(Duration.ofSeconds(3))
                .retryCount(0).build());
        for (int i = 0; i < NODES; i++) {
            redis.proxy(i).delay(Duration.ofMillis(700));
        }
        Duration ttl = Duration.ofMillis(500);
        LockResult late = patient.tryLock("s5c", ttl);
        List<String> leftBehindValidity = Nodes.awaitNoKeys(redis, NODES, "s5c", Duration.ofSeconds(2));

        run.done(0, 8, 0, 0, "delay 600 ms > timeout " + TIMEOUT.toMillis() + " ms: " + slow.failure()
                + "; delay 700 ms > validity of a " + ttl.toMillis() + " ms TTL: " + late.failure());
        assertThat(slow.isAcquired()).isFalse();
        assertThat(slow.failure()).isEqualTo(LockFailure.UNAVAILABLE);
        assertThat(slow.nodes().subList(0, 3)).extracting(NodeOutcome::status).containsOnly(NodeStatus.TIMEOUT);
        assertThat(leftBehindTimeouts).as("keys left after timed-out SETs (TTL 10 s)").isEmpty();
        assertThat(late.isAcquired()).isFalse();
        assertThat(late.failure()).isEqualTo(LockFailure.VALIDITY_EXPIRED);
        assertThat(late.nodes()).extracting(NodeOutcome::status).containsOnly(NodeStatus.OK);
        assertThat(leftBehindValidity).isEmpty();
    }

    @Test
    void splitVoteFailsBothReleasesAtOnceAndRetriesResolveIt() throws Exception {
        SafetySummary.Run run = SafetySummary.start("6 split vote 2/2/1");
        // A reaches nodes 0 and 1 directly and 2 and 3 late; B the other way round; node 4 holds a
        // foreign key, and answers late to both so that no release starts before every SET landed.
        Duration late = Duration.ofMillis(300);
        Duration timeout = Duration.ofMillis(1500);
        List<String> direct = redis.uris();
        List<String> proxied = redis.proxiedUris();
        List<String> serversA = List.of(direct.get(0), direct.get(1), proxied.get(2), proxied.get(3), proxied.get(4));
        List<String> serversB = List.of(proxied.get(0), proxied.get(1), direct.get(2), direct.get(3), proxied.get(4));
        Redlock a = open(Redlock.builder().servers(serversA).timeout(timeout).retryCount(0).build());
        Redlock b = open(Redlock.builder().servers(serversB).timeout(timeout).retryCount(0).build());
        Redlock retryingA = open(Redlock.builder().servers(serversA).timeout(timeout).retryDelay(Duration.ofMillis(100))
                .retryJitter(Duration.ofMillis(1500)).build());
        Redlock retryingB = open(Redlock.builder().servers(serversB).timeout(timeout).retryDelay(Duration.ofMillis(100))
                .retryJitter(Duration.ofMillis(1500)).build());
        redis.node(4).command("SET", "s6", "foreign", "PX", "60000");
        for (int i = 0; i < 4; i++) {
            redis.proxy(i).delayCommands(late);
        }
        redis.proxy(4).delay(late.multipliedBy(2));

        var futureA = a.tryLockAsync(LockRequest.of("s6", Duration.ofSeconds(10))).toCompletableFuture();
        var futureB = b.tryLockAsync(LockRequest.of("s6", Duration.ofSeconds(10))).toCompletableFuture();
        LockResult resultA = futureA.get(20, TimeUnit.SECONDS);
        LockResult resultB = futureB.get(20, TimeUnit.SECONDS);
        List<Object> afterSplit = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            afterSplit.add(redis.node(i).command("GET", "s6"));
        }
        long foreignTtl = (Long) redis.node(4).command("PTTL", "s6");

        // With retries and jitter (which desynchronises them), one of them wins; each releases at once.
        MutualExclusionChecker checker = new MutualExclusionChecker();
        ConcurrentLinkedQueue<String> winners = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Integer> attempts = new ConcurrentLinkedQueue<>();
        var retryA = retryingA.tryLockAsync(LockRequest.of("s6", Duration.ofSeconds(10)).withWaitTime(Duration.ofSeconds(30)))
                .thenApply(result -> hold(retryingA, result, "A", checker, winners, attempts)).toCompletableFuture();
        var retryB = retryingB.tryLockAsync(LockRequest.of("s6", Duration.ofSeconds(10)).withWaitTime(Duration.ofSeconds(30)))
                .thenApply(result -> hold(retryingB, result, "B", checker, winners, attempts)).toCompletableFuture();
        retryA.get(60, TimeUnit.SECONDS);
        retryB.get(60, TimeUnit.SECONDS);
        List<String> left = Nodes.awaitNoKeys(redis, 4, "s6", Duration.ofSeconds(2));

        run.done(winners.size(), 5, checker.overlaps().size(), checker.staleWrites().size(),
                "first attempts " + resultA.failure() + "/" + resultB.failure() + "; with retries won by " + winners
                        + " after " + attempts + " attempts");
        assertThat(resultA.failure()).isEqualTo(LockFailure.CONTENDED);
        assertThat(resultB.failure()).isEqualTo(LockFailure.CONTENDED);
        assertThat(resultA.nodes()).extracting(NodeOutcome::status).containsExactly(NodeStatus.OK, NodeStatus.OK,
                NodeStatus.HELD_BY_OTHER, NodeStatus.HELD_BY_OTHER, NodeStatus.HELD_BY_OTHER);
        assertThat(resultB.nodes()).extracting(NodeOutcome::status).containsExactly(NodeStatus.HELD_BY_OTHER,
                NodeStatus.HELD_BY_OTHER, NodeStatus.OK, NodeStatus.OK, NodeStatus.HELD_BY_OTHER);
        assertThat(afterSplit).as("partial keys gone as soon as both calls returned; the foreign key intact")
                .containsExactly(null, null, null, null, "foreign");
        assertThat(foreignTtl).isGreaterThan(50_000L);
        assertThat(winners).as("with retries").isNotEmpty();
        assertThat(checker.overlaps()).isEmpty();
        assertThat(left).isEmpty();
    }

    private static boolean hold(Redlock redlock, LockResult result, String client, MutualExclusionChecker checker,
            ConcurrentLinkedQueue<String> winners, ConcurrentLinkedQueue<Integer> attempts) {
        attempts.add(result.attempts());
        if (!result.isAcquired()) {
            return false;
        }
        Lease lease = result.leaseOrThrow();
        long acquired = System.nanoTime();
        long validUntil = System.nanoTime() + lease.remaining().toNanos();
        winners.add(client);
        checker.record(new Grant("s6", client, acquired, validUntil, System.nanoTime()));
        lease.releaseAsync();
        return true;
    }

    @Test
    void clientPausedPastValidityIsAStaleHolderNotAnOverlap() {
        SafetySummary.Run run = SafetySummary.start("7 client paused past validity (in-JVM)");
        MutualExclusionChecker checker = new MutualExclusionChecker();
        SharedCounter counter = SharedCounter.inMemory();
        Redlock a = redlock(redis.uris(), 3);
        Redlock b = redlock(redis.uris(), 3);

        Lease first = a.tryLock("job", Duration.ofSeconds(1)).leaseOrThrow();
        long aAcquired = System.nanoTime();
        long aValidUntil = System.nanoTime() + first.remaining().toNanos();
        long aRead = counter.read("job");
        // A now "pauses" (a GC pause, a stalled VM) for longer than its validity: it does nothing
        // while B waits for A's keys to expire and takes the lock.
        LockResult second = b.tryLock("job", Duration.ofSeconds(3), Duration.ofSeconds(10));
        long bAcquired = System.nanoTime();
        Lease lease = second.leaseOrThrow();
        long bValidUntil = System.nanoTime() + lease.remaining().toNanos();
        long bRead = counter.read("job");

        // A wakes up inside B's claim and finishes its read-modify-write: the damage Redlock cannot prevent.
        boolean aStillValid = first.isValid();
        List<Object> bKeysBefore = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            bKeysBefore.add(redis.node(i).command("GET", "job"));
        }
        counter.write("job", aRead + 1);
        checker.recordWork(new Work("job", "A", System.nanoTime()));
        long aReleaseInvoked = System.nanoTime();
        boolean aReleased = a.release(first);
        checker.record(new Grant("job", "A", aAcquired, aValidUntil, aReleaseInvoked));
        List<Object> bKeys = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            bKeys.add(redis.node(i).command("GET", "job"));
        }

        counter.write("job", bRead + 1);
        checker.recordWork(new Work("job", "B", System.nanoTime()));
        long bReleaseInvoked = System.nanoTime();
        boolean bReleased = b.release(lease);
        checker.record(new Grant("job", "B", bAcquired, bValidUntil, bReleaseInvoked));

        List<MutualExclusionChecker.StaleWrite> stale = checker.staleWrites();
        run.done(2, 1, checker.overlaps().size(), stale.size(), "A's lease valid after the pause: " + aStillValid
                + "; B acquired " + (bAcquired - aValidUntil) / 1_000_000 + " ms after A's validity ended;"
                + " counter " + counter.value("job") + " after 2 increments");
        assertThat(aStillValid).as("the paused holder's lease").isFalse();
        assertThat(second.isAcquired()).isTrue();
        assertThat(checker.overlaps()).as("claims end with validity, so no overlap").isEmpty();
        assertThat(stale).singleElement().satisfies(write -> {
            assertThat(write.work().client()).isEqualTo("A");
            assertThat(write.holders()).extracting(Grant::client).containsExactly("B");
        });
        assertThat(aReleased).as("A's late release").isFalse();
        // B may hold just a quorum (A's keys expire node by node); wherever B's key was, A's release left it.
        for (int i = 0; i < NODES; i++) {
            if (lease.value().equals(bKeysBefore.get(i))) {
                assertThat(bKeys.get(i)).as("B's key on node %d after A's late release", i).isEqualTo(lease.value());
            }
        }
        assertThat(bKeys.stream().filter(lease.value()::equals).count()).isGreaterThanOrEqualTo(3);
        assertThat(bReleased).isTrue();
    }
}
