package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.FencingTestSwitches;
import io.github.redlock.Redlock;
import io.github.redlock.test.FaultProxy;
import io.github.redlock.test.RedisNodesExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * F4, a node whose clock runs ahead: node A is a redis-server under libfaketime, 10 s ahead of the
 * others ({@link FakeClockRedis}); B and C are ordinary nodes, node 2 the store. The schedule of
 * fencing.md §6.2 ({@link FencingHandoff}): X's token comes from A's clock, 10 s in the future; Y
 * meets X's quorum only on B. With the write-back, B carries X's token and Y's is larger; without
 * it (the negative control) Y's token is about 10 s of microseconds smaller and the guard refuses
 * the legitimate holder. Skipped, with the reason, where libfaketime or the embedded binary is missing.
 */
@Timeout(90)
@ExtendWith(FencingSummary.class)
class FencingFastClockIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3).withProxies();

    private static final long AHEAD_MICROS = 10_000_000;

    private static FakeClockRedis fast;
    private static FaultProxy fastProxy;

    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeAll
    static void startFastNode() {
        StringBuilder reason = new StringBuilder();
        Optional<Path> library = FakeClockRedis.find(reason);
        Assumptions.assumeTrue(library.isPresent(), reason::toString);
        fast = FakeClockRedis.start(library.get(), "+10s");
        fastProxy = FaultProxy.start("127.0.0.1", fast.port());
    }

    @AfterAll
    static void stopFastNode() {
        if (fastProxy != null) {
            fastProxy.close();
        }
        if (fast != null) {
            fast.close();
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(opened);
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
        fastProxy.pass();
        fastProxy.resetConnections();
    }

    private FencingHandoff.Result handoff(String prefix, UnaryOperator<Redlock.Builder> faults, GuardedStore store) {
        fast.seed(prefix);
        FencingNodes.seed(redis.node(0), prefix);
        FencingNodes.seed(redis.node(1), prefix);
        List<String> servers = List.of(fastProxy.uri(), redis.proxiedUris().get(0), redis.proxiedUris().get(1));
        return FencingHandoff.run(servers, List.of(fastProxy, redis.proxy(0), redis.proxy(1)), store, prefix,
                Duration.ofSeconds(2), faults, () -> { }, opened::add);
    }

    private long ahead() {
        return fast.timeMicros() - FencingNodes.timeMicros(redis.node(0));
    }

    @Test
    void aNodeClockTenSecondsAheadIsCarriedForwardByTheWriteBack() {
        FencingSummary.Run run = FencingSummary.start("F4 one node's clock 10 s ahead (libfaketime)", 3);
        GuardedStore store = new RedisGuardedStore(redis.uris().get(2), true);
        opened.add(store);
        long ahead = ahead();
        FencingHandoff.Result handoff = handoff("f4:", UnaryOperator.identity(), store);

        FencingSummary.Findings findings = run.done(handoff.checker(), store::value, false,
                handoff.notes("A ahead by " + ahead / 1000 + " ms"));
        assertThat(ahead).as("A's clock ahead of B's, in microseconds").isGreaterThan(AHEAD_MICROS - 1_000_000);
        assertThat(handoff.first().token()).as("X's token, from A's clock")
                .isGreaterThan(FencingNodes.timeMicros(redis.node(0)) + AHEAD_MICROS / 2);
        assertThat(findings.all()).isEmpty();
        assertThat(handoff.second().token()).isGreaterThan(handoff.first().token());
    }

    @Test
    void negativeControlWithoutTheWriteBackANodeClockAheadInvertsTheTokens() {
        FencingSummary.Run run = FencingSummary.start("write-back disabled (SKIP_WRITE_BACK), F4 one node's clock 10 s ahead", 3);
        GuardedStore store = new RedisGuardedStore(redis.uris().get(2), true);
        opened.add(store);
        FencingHandoff.Result handoff = handoff("f4n:", FencingTestSwitches::skipWriteBack, store);

        FencingSummary.Findings findings = run.done(handoff.checker(), store::value, true, handoff.notes("A ahead by 10 s"));
        assertThat(handoff.second().token()).as("Y's token").isLessThan(handoff.first().token());
        assertThat(findings.c1()).as("the checker must flag the inverted tokens").singleElement()
                .satisfies(v -> assertThat(v.description()).startsWith("Y@job#").contains("X@job#"));
        assertThat(findings.refused()).as("the guard refuses the legitimate holder Y").isEqualTo(1);
    }
}
