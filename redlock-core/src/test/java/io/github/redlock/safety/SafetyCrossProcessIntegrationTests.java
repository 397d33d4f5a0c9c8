package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Lease;
import io.github.redlock.LockResult;
import io.github.redlock.Redlock;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clients in two JVMs: threads here and in a child JVM ({@link SafetyChildMain}) lock the same
 * resources on five nodes; the damage gauge is a counter on a sixth node that is not a lock node.
 * Both processes take times from {@link System#nanoTime()}, which is CLOCK_MONOTONIC on Linux and
 * so shared by every process of the machine; {@link ChildJvm#checkSharedClock} verifies that
 * before the run (each child reading must lie inside our round trip).
 */
@Timeout(120)
@ExtendWith(SafetySummary.class)
class SafetyCrossProcessIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(6);

    private static final List<String> RESOURCES = List.of("r0", "r1", "r2");

    private static List<String> lockNodes() {
        return redis.uris().subList(0, 5);
    }

    private static String counterNode() {
        return redis.uris().get(5);
    }

    @Test
    void threadsInTwoJvmsNeverHoldTheSameLockAtOnce() {
        SafetySummary.Run run = SafetySummary.start("1x steady contention across two JVMs");
        long millis = SafetySummary.soak() ? 60_000 : 8_000;
        MutualExclusionChecker checker = new MutualExclusionChecker();
        long roundTrip;
        Workload parent;
        try (ChildJvm child = ChildJvm.start("contend", List.of("mode=contend", "servers=" + String.join(",", lockNodes()),
                "prefix=x:", "client=child-", "resources=" + String.join(",", RESOURCES), "clients=4", "ttl=3000",
                "seed=" + (run.seed() + 1), "millis=" + millis, "counter=" + counterNode()));
                RedisCounter counter = new RedisCounter(counterNode())) {
            roundTrip = child.checkSharedClock(5);
            parent = Workload.start(new Workload.Settings().servers(lockNodes()).keyPrefix("x:").clientPrefix("parent-")
                    .resources(RESOURCES).clients(4).ttl(Duration.ofSeconds(3)).seed(run.seed()), checker, counter);
            try {
                child.send("GO");
                Nodes.sleep(Duration.ofMillis(millis));
            } finally {
                parent.close();
            }
            String done = child.await(line -> line.startsWith("DONE"), Duration.ofSeconds(60));
            assertThat(child.awaitExit(Duration.ofSeconds(30))).isZero();
            int childLines = 0;
            for (String line : child.lines()) {
                childLines += HistoryLines.parseInto(line, checker) ? 1 : 0;
            }
            Map<String, Long> childSections = new TreeMap<>();
            checker.grants().stream().filter(grant -> grant.client().startsWith("child-"))
                    .forEach(grant -> childSections.merge(grant.client(), 1L, Long::sum));
            Map<String, Long> writes = new TreeMap<>();
            checker.works().forEach(work -> writes.merge(work.resource(), 1L, Long::sum));
            long sections = checker.size();

            run.done(sections, 0, checker.overlaps().size(), checker.staleWrites().size(), String.format(Locale.ROOT,
                    "4 threads here %s, 4 in child pid %d %s; clock check round trip %.1f ms; child: %s",
                    parent.sectionsByClient().values(), child.pid(), childSections.values(), roundTrip / 1e6, done));
            assertThat(parent.errors()).isEmpty();
            assertThat(childLines).isPositive();
            assertThat(done).isEqualTo("DONE " + childSections.values().stream().mapToLong(Long::longValue).sum() + " 0");
            assertThat(checker.overlaps()).as("overlaps across both JVMs").isEmpty();
            assertThat(checker.staleWrites()).isEmpty();
            writes.forEach((resource, count) ->
                    assertThat(counter.value(resource)).as("counter of %s", resource).isEqualTo(count));
            assertThat(parent.sectionsByClient().values()).allMatch(count -> count > 0);
            assertThat(childSections).hasSize(4).allSatisfy((client, count) -> assertThat(count).isPositive());
            assertThat(Nodes.keys(redis, 5, "x:")).isEmpty();
        }
    }

    @Test
    void aStoppedJvmWakesUpAsAStaleHolderAndTheCheckerSaysSo() {
        SafetySummary.Run run = SafetySummary.start("7x holder JVM paused (SIGSTOP) past validity");
        MutualExclusionChecker checker = new MutualExclusionChecker();
        try (ChildJvm child = ChildJvm.start("hold", List.of("mode=hold", "servers=" + String.join(",", lockNodes()),
                "prefix=h:", "client=child", "resource=job", "ttl=1000"));
                Redlock other = Redlock.builder().servers(lockNodes()).keyPrefix("h:").timeout(Duration.ofMillis(250))
                        .build()) {
            long roundTrip = child.checkSharedClock(3);
            child.send("GO");
            child.await(line -> line.startsWith("HOLDING"), Duration.ofSeconds(30));
            child.await(line -> line.startsWith("WORK"), Duration.ofSeconds(10));

            child.signal("STOP");
            Workload.Bounded.await("the child to be stopped", Duration.ofSeconds(5), child::isStopped);
            long stoppedAt = System.nanoTime();
            LockResult result = other.tryLock("job", Duration.ofSeconds(5), Duration.ofSeconds(15));
            long acquired = System.nanoTime();
            Lease lease = result.leaseOrThrow();
            long validUntil = System.nanoTime() + lease.remaining().toNanos();

            long resumedAt = System.nanoTime();
            child.signal("CONT");
            // The child carries on where it stopped: its next writes fall inside our claim.
            String staleLine = child.await(line -> line.startsWith("WORK") && workAt(line) > resumedAt,
                    Duration.ofSeconds(10));
            child.await(line -> line.startsWith("WORK") && workAt(line) > resumedAt, Duration.ofSeconds(10));
            checker.recordWork(new Work("job", "parent", System.nanoTime()));
            long releaseInvoked = System.nanoTime();
            boolean released = other.release(lease);
            checker.record(new Grant("job", "parent", acquired, validUntil, releaseInvoked));

            child.send("STOP");
            String childRelease = child.await(line -> line.startsWith("RELEASED"), Duration.ofSeconds(10));
            child.await(line -> line.equals("DONE"), Duration.ofSeconds(10));
            child.lines().forEach(line -> HistoryLines.parseInto(line, checker));
            List<MutualExclusionChecker.StaleWrite> stale = checker.staleWrites();
            Grant childGrant = checker.grants().stream().filter(grant -> grant.client().equals("child")).findFirst()
                    .orElseThrow();

            run.done(2, 1, checker.overlaps().size(), stale.size(), String.format(Locale.ROOT,
                    "child stopped %.1f s; the other client acquired %.0f ms after the child's validity ended;"
                            + " %d stale writes of the child, inside the other's claim; child's %s;"
                            + " clock check round trip %.1f ms",
                    (resumedAt - stoppedAt) / 1e9, (acquired - childGrant.validUntilNanos()) / 1e6, stale.size(),
                    childRelease, roundTrip / 1e6));
            assertThat(staleLine).as("the child's lease after waking up").endsWith("\tfalse");
            assertThat(checker.overlaps()).as("a stale holder is not an overlap: its claim ended with validity").isEmpty();
            assertThat(stale).isNotEmpty().allSatisfy(write -> {
                assertThat(write.work().client()).isEqualTo("child");
                assertThat(write.work().atNanos()).isGreaterThan(childGrant.validUntilNanos());
            });
            assertThat(stale).anySatisfy(write ->
                    assertThat(write.holders()).extracting(Grant::client).containsExactly("parent"));
            assertThat(released).isTrue();
            assertThat(childRelease).isEqualTo("RELEASED false");
        }
    }

    private static long workAt(String line) {
        return Long.parseLong(line.split("\t")[3]);
    }
}
