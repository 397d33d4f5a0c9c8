package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.FencingTestSwitches;
import io.github.redlock.Redlock;
import io.github.redlock.test.FaultProxy;
import io.github.redlock.test.RedisNode;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fencing counterexamples of fencing.md §6 built step by step on 3 or 5 real nodes behind
 * fault proxies, plus a guarded store (node 5), with the schedule of {@link FencingHandoff}: X
 * locks on the first quorum, something happens to a node, Y locks on the last quorum; the only
 * node of both is {@code FencingHandoff.intersection(n)} (B of A, B, C). Y's attempt starts after
 * X's token was handed out, so Y's token must be larger (Theorem A). Each scenario that keeps the
 * promise has a negative control that switches off the part of the protocol it rests on and must
 * break it.
 */
@Timeout(120)
@ExtendWith(FencingSummary.class)
class FencingRestartIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(6).withProxies();

    private static final int STORE = 5;

    private final List<AutoCloseable> opened = new ArrayList<>();
    private GuardedStore store;

    @BeforeEach
    void openStore() {
        store = open(new RedisGuardedStore(redis.uris().get(STORE), true));
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

    private FencingHandoff.Result handoff(int nodes, String prefix, Duration quarantine,
            UnaryOperator<Redlock.Builder> faults, Runnable between) {
        List<FaultProxy> proxies = IntStream.range(0, nodes).mapToObj(redis::proxy).toList();
        return FencingHandoff.run(redis.proxiedUris().subList(0, nodes), proxies, store, prefix, quarantine, faults,
                between, this::open);
    }

    private static void seedAll(int nodes, String prefix) {
        for (int i = 0; i < nodes; i++) {
            FencingNodes.seed(node(i), prefix);
        }
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {3, 5})
    void aNodeRestartedEmptyAtOnceIsQuarantinedAndTokensKeepGrowing(int nodes) {
        FencingSummary.Run run = FencingSummary.start("F3 node restarted empty at once, quarantine 2 s", nodes);
        String prefix = "f3q:";
        seedAll(nodes, prefix);
        int shared = FencingHandoff.intersection(nodes);
        FencingHandoff.Result handoff = handoff(nodes, prefix, Duration.ofSeconds(2), UnaryOperator.identity(), () -> {
            node(shared).restart();
            assertThat(FencingNodes.counter(node(shared), prefix)).as("the counter after the restart").isEqualTo(-1);
        });

        FencingSummary.Findings findings = run.done(handoff.checker(), store::value, false,
                handoff.notes("the shared node restarted empty between X and Y; " + handoff.quarantineRefusals()
                        + " of Y's attempts refused by its quarantine"));
        assertThat(findings.all()).isEmpty();
        assertThat(handoff.second().token()).isGreaterThan(handoff.first().token());
        assertThat(handoff.quarantineRefusals()).as("Y's attempts refused by the quarantine: %s", handoff.failures())
                .isPositive();
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {3, 5})
    void aNodeRestartedEmptyAtOnceWithoutQuarantineIsCoveredByTheTimeFloor(int nodes) {
        FencingSummary.Run run = FencingSummary.start("F3 node restarted empty at once, no quarantine (floor only)", nodes);
        String prefix = "f3f:";
        seedAll(nodes, prefix);
        int shared = FencingHandoff.intersection(nodes);
        FencingHandoff.Result handoff = handoff(nodes, prefix, Duration.ZERO, UnaryOperator.identity(),
                () -> node(shared).restart());

        FencingSummary.Findings findings = run.done(handoff.checker(), store::value, false,
                handoff.notes("the shared node restarted empty between X and Y"));
        assertThat(findings.all()).isEmpty();
        assertThat(handoff.second().token()).isGreaterThan(handoff.first().token());
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {3, 5})
    void negativeControlWithoutTheTimeFloorANodeRestartedEmptyRepeatsAToken(int nodes) {
        FencingSummary.Run run = FencingSummary.start("floor disabled (NO_TIME_FLOOR), F3 node restarted empty at once",
                nodes);
        String prefix = "f3n:";
        int shared = FencingHandoff.intersection(nodes);
        // No seed: counters start from nothing, so without the floor X mints 1 on its quorum, and after
        // the shared node's restart Y mints 1 there and on the nodes X never reached (fencing.md §6.4
        // with no clock at all).
        FencingHandoff.Result handoff = handoff(nodes, prefix, Duration.ZERO, FencingTestSwitches::noTimeFloor,
                () -> node(shared).restart());

        FencingSummary.Findings findings = run.done(handoff.checker(), store::value, true,
                handoff.notes("the shared node restarted empty between X and Y"));
        assertThat(handoff.second().token()).as("Y's token").isLessThanOrEqualTo(handoff.first().token());
        assertThat(findings.c1()).as("the checker must flag the repeated token").singleElement()
                .satisfies(v -> assertThat(v.description()).startsWith("Y@job#").contains("X@job#"));
        assertThat(findings.refused()).as("the guard refuses Y's equal token of another owner").isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {3, 5})
    void aCounterAheadIsCarriedForwardByTheWriteBack(int nodes) {
        FencingSummary.Run run = FencingSummary.start("node 0's counter 10 s ahead (a fast clock, §6.2), write-back on",
                nodes);
        String prefix = "f62:";
        seedAll(nodes, prefix);
        FencingNodes.seed(node(0), prefix, FencingNodes.timeMicros(node(0)) + 10_000_000);
        int shared = FencingHandoff.intersection(nodes);
        long[] carried = new long[1];
        FencingHandoff.Result handoff = handoff(nodes, prefix, Duration.ofSeconds(2), UnaryOperator.identity(),
                () -> carried[0] = FencingNodes.counter(node(shared), prefix));

        FencingSummary.Findings findings = run.done(handoff.checker(), store::value, false,
                handoff.notes("the shared node's counter after X: " + carried[0]));
        assertThat(findings.all()).isEmpty();
        assertThat(carried[0]).as("X's token written back to the shared node").isEqualTo(handoff.first().token());
        assertThat(handoff.second().token()).isGreaterThan(handoff.first().token());
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {3, 5})
    void negativeControlWithoutTheWriteBackACounterAheadInvertsTheTokens(int nodes) {
        FencingSummary.Run run = FencingSummary.start(
                "write-back disabled (SKIP_WRITE_BACK), node 0's counter 10 s ahead (§6.2)", nodes);
        String prefix = "f62n:";
        seedAll(nodes, prefix);
        FencingNodes.seed(node(0), prefix, FencingNodes.timeMicros(node(0)) + 10_000_000);
        FencingHandoff.Result handoff = handoff(nodes, prefix, Duration.ofSeconds(2), FencingTestSwitches::skipWriteBack,
                () -> { });

        FencingSummary.Findings findings = run.done(handoff.checker(), store::value, true,
                handoff.notes("node 0 ahead by 10 s"));
        assertThat(handoff.second().token()).as("Y's token").isLessThan(handoff.first().token());
        assertThat(findings.c1()).as("the checker must flag the inverted tokens").singleElement()
                .satisfies(v -> assertThat(v.description()).startsWith("Y@job#").contains("X@job#"));
        assertThat(findings.refused()).as("the guard refuses the legitimate holder Y: fencing inverted").isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {3, 5})
    void anEvictedCounterIsQuarantinedAndTokensKeepGrowing(int nodes) {
        FencingSummary.Run run = FencingSummary.start("F7 counter evicted (allkeys-lru flood) on the shared node", nodes);
        String prefix = "f7:";
        seedAll(nodes, prefix);
        int shared = FencingHandoff.intersection(nodes);
        int[] flooded = new int[1];
        FencingHandoff.Result handoff = handoff(nodes, prefix, Duration.ofSeconds(2), UnaryOperator.identity(),
                () -> flooded[0] = evictCounter(node(shared), prefix));

        FencingSummary.Findings findings = run.done(handoff.checker(), store::value, false,
                handoff.notes("the counter evicted after " + flooded[0] + " flood keys; " + handoff.quarantineRefusals()
                        + " of Y's attempts refused by the quarantine"));
        assertThat(findings.all()).isEmpty();
        assertThat(handoff.second().token()).isGreaterThan(handoff.first().token());
        assertThat(handoff.quarantineRefusals()).as("Y's attempts refused by the quarantine: %s", handoff.failures())
                .isPositive();
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
