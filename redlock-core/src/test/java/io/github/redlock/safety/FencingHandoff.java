package io.github.redlock.safety;

import io.github.redlock.Redlock;
import io.github.redlock.test.FaultProxy;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The schedule of fencing.md §6 on three nodes A, B, C reached through fault proxies: client X
 * takes the lock on {A, B} while C is cut off, runs its section on the store and releases;
 * {@code between} runs; then client Y takes the lock on {B, C} while A is cut off, runs its section
 * and releases. Y's attempt starts after X's token was handed out, so Theorem A wants Y's token
 * larger; B is the only node of both quorums.
 */
final class FencingHandoff {

    static final Duration TTL = Duration.ofSeconds(1);

    /** The two grants, the checker holding them and their writes, and Y's failed attempts. */
    record Result(FencedClient.Held first, FencedClient.Held second, FencingChecker checker, int refused) {
        String notes(String what) {
            return String.format(Locale.ROOT, "%s; X's token %d, Y's token %d (%+d), Y failed %d attempts first", what,
                    first.token(), second.token(), second.token() - first.token(), refused);
        }
    }

    private FencingHandoff() {
    }

    /**
     * @param servers the proxied URIs of A, B, C in that order
     * @param opened where the Redlocks go, to be closed after the test
     */
    static Result run(List<String> servers, FaultProxy a, FaultProxy c, GuardedStore store, String prefix,
            Duration quarantine, UnaryOperator<Redlock.Builder> faults, Runnable between, Consumer<AutoCloseable> opened) {
        FencedClient x = client("X", servers, prefix, quarantine, faults, opened);
        FencedClient y = client("Y", servers, prefix, quarantine, faults, opened);
        FencingChecker checker = new FencingChecker();

        c.blackhole();
        FencedClient.Held first = x.acquire("job", TTL, Duration.ofSeconds(10));
        checker.record(FencedClient.section(store, "X", first.grant()));
        checker.record(x.release(first));
        c.pass();

        between.run();

        a.blackhole();
        int[] refused = new int[1];
        FencedClient.Held second = y.acquire("job", TTL, Duration.ofSeconds(15), refused);
        checker.record(FencedClient.section(store, "Y", second.grant()));
        checker.record(y.release(second));
        a.pass();
        return new Result(first, second, checker, refused[0]);
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
