package io.github.redlock.safety;

import io.github.redlock.Redlock;
import io.github.redlock.test.FaultProxy;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The schedule of fencing.md §6 on N nodes reached through fault proxies, quorum Q: client X takes
 * the lock on the first Q nodes while the others are cut off, runs its section on the store and
 * releases; {@code between} runs; then client Y takes the lock on the last Q nodes while the first
 * N - Q are cut off, runs its section and releases. Y's attempt starts after X's token was handed
 * out, so Theorem A wants Y's token larger. The one node of both quorums is node N - Q (node 1 of
 * A, B, C; node 2 of five); node 0 is in X's quorum only.
 */
final class FencingHandoff {

    static final Duration TTL = Duration.ofSeconds(1);

    /** The two grants, the checker holding them and their writes, and Y's failed attempts. */
    record Result(FencedClient.Held first, FencedClient.Held second, FencingChecker checker, int refused,
            List<String> failures) {

        /** Y's failed attempts in which a node answered that it is quarantined. */
        long quarantineRefusals() {
            return failures.stream().filter(failure -> failure.contains("quarantine")).count();
        }

        String notes(String what) {
            return String.format(Locale.ROOT, "%s; X's token %d, Y's token %d (%+d), Y failed %d attempts first", what,
                    first.token(), second.token(), second.token() - first.token(), refused);
        }
    }

    private FencingHandoff() {
    }

    /** The one node of both quorums. */
    static int intersection(int nodes) {
        return nodes - (nodes / 2 + 1);
    }

    /**
     * @param servers the proxied URIs of the nodes
     * @param proxies their proxies, in the same order
     * @param opened where the Redlocks go, to be closed after the test
     */
    static Result run(List<String> servers, List<FaultProxy> proxies, GuardedStore store, String prefix,
            Duration quarantine, UnaryOperator<Redlock.Builder> faults, Runnable between, Consumer<AutoCloseable> opened) {
        int quorum = servers.size() / 2 + 1;
        List<FaultProxy> onlyY = proxies.subList(quorum, proxies.size());
        List<FaultProxy> onlyX = proxies.subList(0, proxies.size() - quorum);
        FencedClient x = client("X", servers, prefix, quarantine, faults, opened);
        FencingChecker checker = new FencingChecker();

        onlyY.forEach(FaultProxy::blackhole);
        FencedClient.Held first = x.acquire("job", TTL, Duration.ofSeconds(10));
        checker.record(FencedClient.section(store, "X", first.grant()));
        checker.record(x.release(first));
        onlyY.forEach(FaultProxy::pass);

        between.run();

        // Y starts only now, so that a restart in between does not cost it a failed first attempt
        // (on a connection the restart broke) that would mint on C for nothing.
        FencedClient y = client("Y", servers, prefix, quarantine, faults, opened);
        onlyX.forEach(FaultProxy::blackhole);
        int[] refused = new int[1];
        FencedClient.Held second = y.acquire("job", TTL, Duration.ofSeconds(15), refused);
        checker.record(FencedClient.section(store, "Y", second.grant()));
        checker.record(y.release(second));
        onlyX.forEach(FaultProxy::pass);
        return new Result(first, second, checker, refused[0], y.failures());
    }

    private static FencedClient client(String name, List<String> servers, String prefix, Duration quarantine,
            UnaryOperator<Redlock.Builder> faults, Consumer<AutoCloseable> opened) {
        Redlock redlock = faults.apply(Redlock.builder()).servers(servers).keyPrefix(prefix)
                .timeout(Duration.ofMillis(100)).retryCount(0).reconnectInterval(Duration.ofMillis(50))
                .requireQuorumOnStartup(false).fencingQuarantine(quarantine).build();
        opened.accept(redlock);
        return new FencedClient(redlock, name);
    }
}
