package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.FencingTestSwitches;
import io.github.redlock.Redlock;
import io.github.redlock.test.RedisNode;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fencing counterexamples of fencing.md §6 built step by step on three real nodes A, B, C
 * (behind fault proxies, which cut one node off at a time) plus a guarded store (node 3): client X
 * takes the lock on {A, B} while C is cut off, works and releases; something happens to a node; then
 * client Y takes the lock on {B, C} while A is cut off. Y's attempt starts after X's token was
 * handed out, so Y's token must be larger (Theorem A). A is the only node that sees X but not Y;
 * the only node of both quorums is B. Each scenario that keeps the promise has a negative control
 * that switches off the part of the protocol it rests on and must break it.
 */
@Timeout(90)
@ExtendWith(FencingSummary.class)
class FencingRestartIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(4).withProxies();

    private static final int A = 0;
    private static final int B = 1;
    private static final int C = 2;

    private final List<AutoCloseable> opened = new ArrayList<>();
    private GuardedStore store;

    @BeforeEach
    void openStore() {
        store = open(new RedisGuardedStore(redis.uris().get(3), true));
    }

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

    private static RedisNode node(int index) {
        return redis.node(index);
    }

    private FencingHandoff.Result handoff(String prefix, Duration quarantine, UnaryOperator<Redlock.Builder> faults,
            Runnable between) {
        return FencingHandoff.run(redis.proxiedUris().subList(0, 3), redis.proxy(A), redis.proxy(C), store, prefix,
                quarantine, faults, between, this::open);
    }

    private static void seedAll(String prefix) {
        for (int i = 0; i < 3; i++) {
            FencingNodes.seed(node(i), prefix);
        }
    }

    @Test
    void aNodeRestartedEmptyAtOnceIsQuarantinedAndTokensKeepGrowing() {
        FencingSummary.Run run = FencingSummary.start("F3 node restarted empty at once, quarantine 2 s", 3);
        String prefix = "f3q:";
        seedAll(prefix);
        boolean[] quarantined = new boolean[1];
        FencingHandoff.Result handoff = handoff(prefix, Duration.ofSeconds(2), UnaryOperator.identity(), () -> {
            node(B).restart();
            assertThat(FencingNodes.counter(node(B), prefix)).as("B's counter after the restart").isEqualTo(-1);
        });
        quarantined[0] = FencingNodes.quarantined(node(B), prefix);

        FencingSummary.Findings findings = run.done(handoff.checker(), store::value, false,
                handoff.notes("B restarted empty between X and Y; B quarantined: " + quarantined[0]));
        assertThat(findings.all()).isEmpty();
        assertThat(handoff.second().token()).isGreaterThan(handoff.first().token());
        assertThat(handoff.refused()).as("Y's attempts refused while B was quarantined").isPositive();
        assertThat(quarantined[0]).as("B's counter hash records the quarantine").isTrue();
    }

    @Test
    void aNodeRestartedEmptyAtOnceWithoutQuarantineIsCoveredByTheTimeFloor() {
        FencingSummary.Run run = FencingSummary.start("F3 node restarted empty at once, no quarantine (floor only)", 3);
        String prefix = "f3f:";
        seedAll(prefix);
        FencingHandoff.Result handoff = handoff(prefix, Duration.ZERO, UnaryOperator.identity(), () -> node(B).restart());

        FencingSummary.Findings findings = run.done(handoff.checker(), store::value, false,
                handoff.notes("B restarted empty between X and Y"));
        assertThat(findings.all()).isEmpty();
        assertThat(handoff.second().token()).isGreaterThan(handoff.first().token());
    }

    @Test
    void negativeControlWithoutTheTimeFloorANodeRestartedEmptyRepeatsAToken() {
        FencingSummary.Run run = FencingSummary.start("floor disabled (NO_TIME_FLOOR), F3 node restarted empty at once", 3);
        String prefix = "f3n:";
        // No seed: counters start from nothing, so without the floor X mints 1 on A and B, and after
        // B's restart Y mints 1 on B and on C, which X never reached (fencing.md §6.4 with no clock at all).
        FencingHandoff.Result handoff = handoff(prefix, Duration.ZERO, FencingTestSwitches::noTimeFloor, () -> node(B).restart());

        FencingSummary.Findings findings = run.done(handoff.checker(), store::value, true,
                handoff.notes("B restarted empty between X and Y"));
        assertThat(handoff.second().token()).as("Y's token").isLessThanOrEqualTo(handoff.first().token());
        assertThat(findings.c1()).as("the checker must flag the repeated token").singleElement()
                .satisfies(v -> assertThat(v.description()).startsWith("Y@job#").contains("X@job#"));
        assertThat(findings.refused()).as("the guard refuses Y's equal token of another owner").isEqualTo(1);
    }

    @Test
    void aFastNodeClockIsCarriedForwardByTheWriteBack() {
        FencingSummary.Run run = FencingSummary.start("A's counter 10 s ahead (a fast clock, §6.2), write-back on", 3);
        String prefix = "f62:";
        seedAll(prefix);
        FencingNodes.seed(node(A), prefix, FencingNodes.timeMicros(node(A)) + 10_000_000);
        FencingHandoff.Result handoff = handoff(prefix, Duration.ofSeconds(2), UnaryOperator.identity(), () -> { });

        FencingSummary.Findings findings = run.done(handoff.checker(), store::value, false,
                handoff.notes("B's counter after X: " + FencingNodes.counter(node(B), prefix)));
        assertThat(findings.all()).isEmpty();
        assertThat(handoff.second().token()).isGreaterThan(handoff.first().token());
    }

    @Test
    void negativeControlWithoutTheWriteBackAFastNodeClockInvertsTheTokens() {
        FencingSummary.Run run = FencingSummary.start("write-back disabled (SKIP_WRITE_BACK), A's counter 10 s ahead (§6.2)", 3);
        String prefix = "f62n:";
        seedAll(prefix);
        FencingNodes.seed(node(A), prefix, FencingNodes.timeMicros(node(A)) + 10_000_000);
        FencingHandoff.Result handoff = handoff(prefix, Duration.ofSeconds(2), FencingTestSwitches::skipWriteBack, () -> { });

        FencingSummary.Findings findings = run.done(handoff.checker(), store::value, true,
                handoff.notes("A ahead by 10 s"));
        assertThat(handoff.second().token()).as("Y's token").isLessThan(handoff.first().token());
        assertThat(findings.c1()).as("the checker must flag the inverted tokens").singleElement()
                .satisfies(v -> assertThat(v.description()).startsWith("Y@job#").contains("X@job#"));
        assertThat(findings.refused()).as("the guard refuses the legitimate holder Y: fencing inverted").isEqualTo(1);
    }

    @Test
    void anEvictedCounterIsQuarantinedAndTokensKeepGrowing() {
        FencingSummary.Run run = FencingSummary.start("F7 counter evicted (allkeys-lru flood) on the intersection node", 3);
        String prefix = "f7:";
        seedAll(prefix);
        int[] flooded = new int[1];
        FencingHandoff.Result handoff = handoff(prefix, Duration.ofSeconds(2), UnaryOperator.identity(),
                () -> flooded[0] = evictCounter(node(B), prefix));
        boolean quarantined = FencingNodes.quarantined(node(B), prefix);

        FencingSummary.Findings findings = run.done(handoff.checker(), store::value, false,
                handoff.notes("B's counter evicted after " + flooded[0] + " flood keys; B quarantined: " + quarantined));
        assertThat(findings.all()).isEmpty();
        assertThat(handoff.second().token()).isGreaterThan(handoff.first().token());
        assertThat(handoff.refused()).as("Y's attempts refused while B was quarantined").isPositive();
        assertThat(quarantined).isTrue();
    }

    /** Floods the node under {@code allkeys-lru} until its counter is evicted; returns the keys written. */
    private static int evictCounter(RedisNode node, String prefix) {
        String used = String.valueOf(node.command("MEMORY", "STATS")).replaceAll("(?s).*total\\.allocated, (\\d+).*", "$1");
        long limit = Long.parseLong(used) + 2_000_000;
        node.command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
        node.command("CONFIG", "SET", "maxmemory", Long.toString(limit));
        String junk = "x".repeat(10_000);
        int written = 0;
        try {
            while (FencingNodes.counter(node, prefix) != -1) {
                if (written >= 5_000) {
                    throw new AssertionError("the counter survived " + written + " flood keys");
                }
                node.command("SET", "flood:" + written++, junk);
            }
        } finally {
            node.command("CONFIG", "SET", "maxmemory", "0");
            node.command("CONFIG", "SET", "maxmemory-policy", "noeviction");
        }
        return written;
    }
}
