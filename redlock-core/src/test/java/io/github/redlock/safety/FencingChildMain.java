package io.github.redlock.safety;

import io.github.redlock.Redlock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The holder JVM of the fencing suite, started by {@link ChildJvm}: the process a test pauses
 * with SIGSTOP. Same line protocol as {@link SafetyChildMain} ({@code READY}, {@code CLOCK}, {@code GO},
 * {@code ERROR}). After {@code GO} it takes a fenced lease on {@code resource} ({@code servers},
 * {@code prefix}, {@code ttl} ms), prints {@code HOLDING <token> <validUntil>}, claims the token on
 * the guarded store ({@code store}, {@code guard} as {@link GuardedStore#open}), prints
 * {@code CLAIMED <bool>}, reads the counter and prints {@code READ <value>}. It writes the value
 * plus one only when told {@code WRITE} (so the test decides where in the section the pause falls),
 * without asking whether its lease is still valid, and prints the write as a {@link StoreWrite}
 * line. On {@code STOP} it releases, prints its {@link FencedGrant} line and {@code DONE}.
 */
public final class FencingChildMain {

    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    private FencingChildMain() {
    }

    public static void main(String[] args) {
        try {
            Map<String, String> options = new HashMap<>();
            for (String arg : args) {
                int eq = arg.indexOf('=');
                options.put(arg.substring(0, eq), arg.substring(eq + 1));
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            say("READY " + ProcessHandle.current().pid());
            String line;
            while ((line = in.readLine()) != null && !line.equals("GO")) {
                if (line.equals("CLOCK")) {
                    say("CLOCK " + System.nanoTime());
                }
            }
            if (line == null) {
                return;
            }
            hold(options, in);
            System.exit(0);
        } catch (Throwable e) {
            say("ERROR " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static synchronized void say(String line) {
        OUT.println(line);
    }

    private static void awaitLine(BufferedReader in, String expected) throws IOException {
        String line;
        while ((line = in.readLine()) != null && !line.equals(expected)) {
            // ignore anything else
        }
        if (line == null) {
            throw new IllegalStateException("standard input closed before " + expected);
        }
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
            say("HOLDING " + held.token() + " " + held.validUntilNanos());
            say("CLAIMED " + store.claim(resource, held.token(), held.grant().owner()));
            long read = store.read(resource);
            say("READ " + read);
            awaitLine(in, "WRITE");
            say(FencedClient.write(store, client, held.grant(), read).line());
            awaitLine(in, "STOP");
            say(fenced.release(held).line());
            say("DONE");
        }
    }
}
