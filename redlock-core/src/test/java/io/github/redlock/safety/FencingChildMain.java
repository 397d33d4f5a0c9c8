package io.github.redlock.safety;

import io.github.redlock.Redlock;
import java.io.BufferedReader;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

/**
 * The holder JVM of the fencing suite, started by {@link ChildJvm}: the process a test pauses
 * with SIGSTOP. The handshake is {@link ChildProtocol}'s ({@code READY}, {@code CLOCK}, {@code GO},
 * {@code ERROR}). After {@code GO} it takes a fenced lease on {@code resource} ({@code servers},
 * {@code prefix}, {@code ttl} ms), prints {@code HOLDING <token> <validUntil>}, claims the token on
 * the guarded store ({@code store}, {@code guard} as {@link GuardedStore#open}), prints
 * {@code CLAIMED <bool>}, reads the counter and prints {@code READ <value>}. It writes the value
 * plus one only when told {@code WRITE} (so the test decides where in the section the pause falls),
 * without asking whether its lease is still valid, and prints the write as a {@link StoreWrite}
 * line. On {@code STOP} it releases, prints its {@link FencedGrant} line and {@code DONE}.
 */
public final class FencingChildMain {

    private FencingChildMain() {
    }

    public static void main(String[] args) {
        ChildProtocol.run(args, FencingChildMain::hold);
    }

    private static void hold(Map<String, String> options, BufferedReader in) throws IOException {
        String resource = options.get("resource");
        String client = options.get("client");
        Duration ttl = Duration.ofMillis(Long.parseLong(options.get("ttl")));
        try (Redlock redlock = Redlock.builder().servers(Arrays.asList(options.get("servers").split(",")))
                .keyPrefix(options.get("prefix")).timeout(Duration.ofMillis(250)).retryCount(0).build();
                GuardedStore store = GuardedStore.open(options.get("guard"), options.get("store"))) {
            FencedClient fenced = new FencedClient(redlock, client);
            FencedClient.Held held = fenced.acquire(resource, ttl, Duration.ofSeconds(10));
            ChildProtocol.say("HOLDING " + held.token() + " " + held.validUntilNanos());
            ChildProtocol.say("CLAIMED " + store.claim(resource, held.token(), held.grant().owner()));
            long read = store.read(resource);
            ChildProtocol.say("READ " + read);
            ChildProtocol.awaitLine(in, "WRITE");
            ChildProtocol.say(FencedClient.write(store, client, held.grant(), read).line());
            ChildProtocol.awaitLine(in, "STOP");
            ChildProtocol.say(fenced.release(held).line());
            ChildProtocol.say("DONE");
        }
    }
}
