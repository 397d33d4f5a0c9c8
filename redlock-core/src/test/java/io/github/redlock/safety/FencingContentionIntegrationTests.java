package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Redlock;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fenced clients contending for two resources, one in ten sections stalling past its lease's
 * validity before it writes (a pause inside the process), while a client of another Redlock
 * library (plain {@code SET NX PX} and compare-and-delete on the same keys, minting nothing, like
 * the Perl module) takes the same locks in between and writes without a token (F8). Every rule of
 * the {@link FencingChecker} must hold, every tokenless write must be refused, and the stalls must
 * have bitten: at least one stale write refused. Nodes 0-4 are lock nodes (3 or 5 of them), node 5
 * the store.
 */
@Timeout(90)
@ExtendWith(FencingSummary.class)
class FencingContentionIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(6);

    private static final Duration TTL = Duration.ofMillis(400);
    private static final List<String> RESOURCES = List.of("a", "b");

    @Test
    void fencedClientsWithStallsAndAForeignClientOnThreeNodes() throws Exception {
        contend(3);
    }

    @Test
    void fencedClientsWithStallsAndAForeignClientOnFiveNodes() throws Exception {
        contend(5);
    }

    private static void contend(int nodes) throws Exception {
        FencingSummary.Run run = FencingSummary.start("F8 contention, 10% stalls past validity, foreign SET NX client",
                nodes);
        long seed = Long.getLong("redlock.safety.seed", System.nanoTime());
        System.out.println("[fencing] seed " + seed + " (rerun with -Dredlock.safety.seed=" + seed + ")");
        String prefix = "f8:";
        List<String> servers = redis.uris().subList(0, nodes);
        for (int i = 0; i < nodes; i++) {
            FencingNodes.seed(redis.node(i), prefix);
        }
        FencingChecker checker = new FencingChecker();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger stalls = new AtomicInteger();
        AtomicInteger foreignGrants = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<AutoCloseable> opened = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        try (GuardedStore foreignStore = new RedisGuardedStore(redis.uris().get(5), true)) {
            for (int c = 0; c < 4; c++) {
                String name = "c" + c;
                Redlock redlock = Redlock.builder().servers(servers).keyPrefix(prefix).timeout(Duration.ofMillis(100))
                        .retryCount(0).build();
                GuardedStore store = new RedisGuardedStore(redis.uris().get(5), true);
                opened.add(redlock);
                opened.add(store);
                FencedClient client = new FencedClient(redlock, name);
                Random random = new Random(seed + c);
                threads.add(thread(name, errors, () -> {
                    while (!stop.get()) {
                        String resource = RESOURCES.get(random.nextInt(RESOURCES.size()));
                        var held = client.tryOnce(resource, TTL);
                        if (held.isEmpty()) {
                            Nodes.sleep(Duration.ofMillis(5 + random.nextInt(15)));
                            continue;
                        }
                        FencedGrant grant = held.get().grant();
                        store.claim(resource, grant.token(), grant.owner());
                        long read = store.read(resource);
                        if (random.nextInt(10) == 0) {
                            stalls.incrementAndGet();
                            Nodes.sleep(TTL.plusMillis(150));
                        } else {
                            Nodes.sleep(Duration.ofMillis(random.nextInt(10)));
                        }
                        checker.record(FencedClient.write(store, name, grant, read));
                        checker.record(client.release(held.get()));
                    }
                }));
            }
            Random foreignRandom = new Random(seed - 1);
            threads.add(thread("foreign", errors, () -> {
                while (!stop.get()) {
                    String resource = RESOURCES.get(foreignRandom.nextInt(RESOURCES.size()));
                    String value = UUID.randomUUID().toString();
                    int won = 0;
                    for (int i = 0; i < nodes; i++) {
                        won += "OK".equals(redis.node(i).command("SET", prefix + resource, value, "NX", "PX", "400")) ? 1 : 0;
                    }
                    if (won > nodes / 2) {
                        foreignGrants.incrementAndGet();
                        long read = foreignStore.read(resource);
                        GuardedStore.Decision decision = foreignStore.write(resource, 0, "", read + 1);
                        checker.record(new StoreWrite(resource, "foreign", "", 0, decision.accepted(), decision.sequence(),
                                read, read + 1));
                    }
                    for (int i = 0; i < nodes; i++) {
                        redis.node(i).command("EVAL",
                                "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
                                "1", prefix + resource, value);
                    }
                    Nodes.sleep(Duration.ofMillis(20 + foreignRandom.nextInt(30)));
                }
            }));
            threads.forEach(Thread::start);
            Nodes.sleep(Duration.ofSeconds(4));
            stop.set(true);
            for (Thread thread : threads) {
                thread.join(Duration.ofSeconds(20).toMillis());
                assertThat(thread.isAlive()).as("%s still running", thread.getName()).isFalse();
            }
            long foreignWrites = checker.writes().stream().filter(write -> write.client().equals("foreign")).count();
            FencingSummary.Findings findings = run.done(checker, foreignStore::value, false, String.format(Locale.ROOT,
                    "4 fenced clients, 2 resources, %d stalls, %d foreign grants and tokenless writes (all refused: %b)",
                    stalls.get(), foreignGrants.get(), checker.writes().stream()
                            .filter(write -> write.client().equals("foreign")).noneMatch(StoreWrite::accepted)));
            assertThat(errors).as("client errors").isEmpty();
            assertThat(findings.all()).as("fencing violations").isEmpty();
            assertThat(checker.grants()).as("fenced grants").hasSizeGreaterThan(20);
            assertThat(foreignWrites).as("writes by the foreign client").isPositive();
            assertThat(checker.writes()).filteredOn(write -> write.client().equals("foreign"))
                    .as("tokenless writes").noneMatch(StoreWrite::accepted);
            assertThat(checker.refusedWrites()).as("stale writes of stalled holders refused")
                    .anyMatch(write -> !write.client().equals("foreign"));
        } finally {
            stop.set(true);
            Collections.reverse(opened);
            for (AutoCloseable closeable : opened) {
                closeable.close();
            }
        }
    }

    private static Thread thread(String name, ConcurrentLinkedQueue<Throwable> errors, Runnable body) {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                errors.add(e);
            }
        }, "fencing-" + name);
        thread.setDaemon(true);
        return thread;
    }
}
