package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Redlock;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * F6, lost confirmations: the replies to the write-back (phase 2) of a majority of the nodes are
 * lost on the way back, while the write-back itself reaches them and raises their counters. With
 * too few confirmations the token must not be handed out: every attempt fails and releases, no key
 * is left behind, and once the replies flow again the next token is larger than every counter the
 * lost write-backs raised. The write-back is recognised by its shape: {@code EVAL}/{@code EVALSHA}
 * with 2 keys and 3 arguments (phase 1 sends 5, renewals and fill-in 4); the count of dropped replies
 * shows that the shape matched.
 */
@Timeout(60)
@ExtendWith(FencingSummary.class)
class FencingLostWriteBackIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(6);

    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(opened);
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
    }

    private static boolean isWriteBack(List<String> command) {
        return command.size() == 8 && command.get(0).toUpperCase(Locale.ROOT).startsWith("EVAL")
                && command.get(2).equals("2");
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {3, 5})
    void withoutAQuorumOfConfirmationsNoTokenIsHandedOut(int nodes) throws Exception {
        FencingSummary.Run run = FencingSummary.start("F6 write-back replies of a majority lost", nodes);
        String prefix = "f6:";
        int quorum = nodes / 2 + 1;
        List<ReplyDroppingProxy> proxies = new ArrayList<>();
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            FencingNodes.seed(redis.node(i), prefix);
            ReplyDroppingProxy proxy = new ReplyDroppingProxy(redis.node(i).port(), FencingLostWriteBackIntegrationTests::isWriteBack);
            opened.add(proxy);
            proxies.add(proxy);
            servers.add(proxy.uri());
        }
        GuardedStore store = new RedisGuardedStore(redis.uris().get(5), true);
        opened.add(store);
        Redlock redlock = Redlock.builder().servers(servers).keyPrefix(prefix).timeout(Duration.ofMillis(100))
                .retryCount(0).reconnectInterval(Duration.ofMillis(50)).build();
        opened.add(redlock);
        FencedClient client = new FencedClient(redlock, "X");
        FencingChecker checker = new FencingChecker();

        // Warm up: one grant with every reply flowing, so the connections and scripts are in place.
        FencedClient.Held warm = client.acquire("job", Duration.ofSeconds(1), Duration.ofSeconds(10));
        checker.record(FencedClient.section(store, "X", warm.grant()));
        checker.record(client.release(warm));

        int lost = nodes - quorum + 1;
        int attempts = 3;
        int granted = 0;
        for (int attempt = 0; attempt < attempts; attempt++) {
            for (int i = 0; i < lost; i++) {
                proxies.get(i).dropping(true);
            }
            granted += client.tryOnce("job", Duration.ofSeconds(1)).isPresent() ? 1 : 0;
            // The connections that lost a reply are dead: end them, the client reconnects.
            for (int i = 0; i < lost; i++) {
                proxies.get(i).dropping(false);
                proxies.get(i).resetConnections();
            }
            Workload.Bounded.await("the client to reconnect", Duration.ofSeconds(10), () -> redlock.checkNodes().stream()
                    .allMatch(io.github.redlock.NodeHealth::up));
        }
        int dropped = proxies.stream().mapToInt(ReplyDroppingProxy::dropped).sum();
        List<String> keysLeft = Nodes.awaitNoKeys(redis, nodes, prefix + "job", Duration.ofSeconds(2));
        List<Long> counters = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            counters.add(FencingNodes.counter(redis.node(i), prefix));
        }
        long highest = Collections.max(counters);

        FencedClient.Held after = client.acquire("job", Duration.ofSeconds(1), Duration.ofSeconds(10));
        checker.record(FencedClient.section(store, "X", after.grant()));
        checker.record(client.release(after));

        FencingSummary.Findings findings = run.done(checker, store::value, false, String.format(Locale.ROOT,
                "write-back replies of %d of %d nodes dropped: %d attempts, %d granted, %d replies dropped, keys left %s;"
                        + " highest counter raised by the lost write-backs %d, next token %+d above it",
                lost, nodes, attempts, granted, dropped, keysLeft, highest, after.token() - highest));
        assertThat(dropped).as("write-back replies dropped (the shape matched)").isEqualTo(attempts * lost);
        assertThat(granted).as("grants without a quorum of confirmations").isZero();
        assertThat(keysLeft).as("keys of the failed attempts").isEmpty();
        // The write-back raised every node to the last attempt's token T, the largest mint of the first
        // quorum to answer: those quorum nodes, which minted their own (smaller, distinct) clock
        // readings, now all hold T; a node whose mint answered later keeps its larger counter.
        long written = Collections.min(counters);
        assertThat(counters).as("nodes holding the token written back").filteredOn(counter -> counter == written)
                .hasSizeGreaterThanOrEqualTo(quorum);
        assertThat(written).isGreaterThan(warm.token());
        assertThat(after.token()).isGreaterThan(highest);
        assertThat(findings.all()).isEmpty();
    }
}
