package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Redlock;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * F1 of the fencing test plan: the paused holder. A child JVM ({@link FencingChildMain}) takes a
 * fenced lease, claims its token on the guarded store and reads the counter; the test then stops
 * the whole process (SIGSTOP) until its lease is over, takes the lock here, claims and writes; and
 * resumes the child (SIGCONT), which writes the value it read before the pause with its old token,
 * without looking at its lease. The guard must refuse that write. The same schedule with the guard
 * disabled is the negative control: the stale write gets through and the checker must say so.
 * Lock nodes 0-2 (or 0-4); node 5 is the store, not a lock node.
 */
@Timeout(90)
@ExtendWith(FencingSummary.class)
class FencingPausedHolderIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(6);

    private static final Duration TTL = Duration.ofSeconds(1);

    private static String storeUri() {
        return redis.uris().get(5);
    }

    @Test
    void aPausedHolderIsFencedOutWithThreeNodes() {
        FencingSummary.Findings findings = pausedHolder("F1 paused holder (SIGSTOP past validity)", 3, "suite");

        assertThat(findings.all()).as("fencing violations").isEmpty();
        assertThat(findings.refused()).as("the paused holder's write, refused").isEqualTo(1);
    }

    @Test
    void aPausedHolderIsFencedOutByTheShippedRedisGuard() {
        FencingSummary.Findings findings = pausedHolder("F1 paused holder, shipped Redis guard (RedisFencedWrites)", 3,
                "shipped");

        assertThat(findings.all()).as("fencing violations").isEmpty();
        assertThat(findings.refused()).as("the paused holder's write, refused").isEqualTo(1);
    }

    @Test
    void aPausedHolderIsFencedOutWithFiveNodes() {
        FencingSummary.Findings findings = pausedHolder("F1 paused holder (SIGSTOP past validity)", 5, "suite");

        assertThat(findings.all()).as("fencing violations").isEmpty();
        assertThat(findings.refused()).as("the paused holder's write, refused").isEqualTo(1);
    }

    @Test
    void negativeControlWithTheGuardDisabledThePausedHoldersWriteLosesAnUpdate() {
        FencingSummary.Findings findings = pausedHolder("guard disabled, F1 paused holder", 3, "off");

        assertThat(findings.c1()).as("the tokens are still ordered").isEmpty();
        assertThat(findings.refused()).isZero();
        assertThat(findings.store()).as("the checker must flag the stale write")
                .anySatisfy(v -> assertThat(v.rule()).isEqualTo("S2"))
                .anySatisfy(v -> assertThat(v.toString()).startsWith("S3").contains("lost"));
    }

    private static FencingSummary.Findings pausedHolder(String name, int nodes, String guard) {
        boolean enforce = !guard.equals("off");
        FencingSummary.Run run = FencingSummary.start(name, nodes);
        String prefix = "f1:";
        List<String> servers = redis.uris().subList(0, nodes);
        for (int i = 0; i < nodes; i++) {
            FencingNodes.seed(redis.node(i), prefix);
        }
        FencingChecker checker = new FencingChecker();
        try (ChildJvm child = ChildJvm.start("fenced-hold", FencingChildMain.class, List.of("servers="
                + String.join(",", servers), "prefix=" + prefix, "client=paused", "resource=job", "ttl=" + TTL.toMillis(),
                "store=" + storeUri(), "guard=" + guard));
                Redlock redlock = Redlock.builder().servers(servers).keyPrefix(prefix).timeout(Duration.ofMillis(250))
                        .retryCount(0).build();
                GuardedStore store = GuardedStore.open(guard, storeUri())) {
            long roundTrip = child.checkSharedClock(3);
            child.send("GO");
            String holding = child.await(line -> line.startsWith("HOLDING "), Duration.ofSeconds(30));
            long childToken = Long.parseLong(holding.split(" ")[1]);
            long childValidUntil = Long.parseLong(holding.split(" ")[2]);
            assertThat(child.await(line -> line.startsWith("CLAIMED "), Duration.ofSeconds(10))).isEqualTo("CLAIMED true");
            String read = child.await(line -> line.startsWith("READ "), Duration.ofSeconds(10));

            child.signal("STOP");
            Workload.Bounded.await("the child to be stopped", Duration.ofSeconds(5), child::isStopped);
            long stoppedAt = System.nanoTime();
            FencedClient next = new FencedClient(redlock, "next");
            int[] refused = new int[1];
            FencedClient.Held held = next.acquire("job", TTL, Duration.ofSeconds(20), refused);
            StoreWrite written = FencedClient.section(store, "next", held.grant());
            checker.record(written);
            checker.record(next.release(held));
            long nextAcquiredAfterChildValidity = held.grant().handoutNanos() - childValidUntil;

            child.signal("CONT");
            long resumedAt = System.nanoTime();
            child.send("WRITE");
            String staleWrite = child.await(StoreWrite::isLine, Duration.ofSeconds(10));
            child.send("STOP");
            child.await(line -> line.equals("DONE"), Duration.ofSeconds(10));
            assertThat(child.awaitExit(Duration.ofSeconds(10))).isZero();
            checker.recordLines(child.lines());

            assertThat(held.token()).as("the next holder's token against the paused one's").isGreaterThan(childToken);
            assertThat(written.accepted()).as("the next holder's write").isTrue();
            assertThat(StoreWrite.parse(staleWrite).accepted()).as("the paused holder's write after SIGCONT: %s", staleWrite)
                    .isEqualTo(!enforce);
            return run.done(checker, store::value, !enforce, String.format(Locale.ROOT,
                    "child stopped %.1f s after %s; next holder handed out %.0f ms after the child's validity ended,"
                            + " after %d failed attempts; tokens %d then %d; clock check round trip %.1f ms",
                    (resumedAt - stoppedAt) / 1e9, read, nextAcquiredAfterChildValidity / 1e6, refused[0], childToken,
                    held.token(), roundTrip / 1e6));
        }
    }
}
