package io.github.redlock.safety;

import io.github.redlock.Lease;
import io.github.redlock.LockResult;
import io.github.redlock.Redlock;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The second JVM of the safety suite, started by {@link ChildJvm}. Protocol on standard input and
 * output, one line each: it prints {@code READY <pid>}, answers every {@code CLOCK} with
 * {@code CLOCK <System.nanoTime()>}, and starts on {@code GO}.
 *
 * <ul>
 *   <li>{@code mode=contend}: runs a {@link Workload} ({@code clients} threads, own Redlocks) on
 *       {@code servers} for {@code millis}, with the {@link RedisCounter} on {@code counter}; then
 *       prints its history as {@link HistoryLines} and {@code DONE <sections> <errors>}.</li>
 *   <li>{@code mode=hold}: locks {@code resource} for {@code ttl} ms, prints
 *       {@code HOLDING <acquired> <validUntil>}, then every 20 ms a {@code WORK} line (with whether
 *       its lease is still valid) until {@code STOP}; then releases, prints {@code RELEASED <bool>},
 *       its {@code GRANT} line and {@code DONE}. It never checks validity before working: it is the
 *       holder that a process pause makes stale.</li>
 * </ul>
 *
 * <p>Any failure prints {@code ERROR <message>} and exits with status 1.
 */
public final class SafetyChildMain {

    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    private SafetyChildMain() {
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
            switch (options.get("mode")) {
                case "contend" -> contend(options);
                case "hold" -> hold(options, in);
                default -> throw new IllegalArgumentException("unknown mode " + options.get("mode"));
            }
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

    private static List<String> servers(Map<String, String> options) {
        return Arrays.asList(options.get("servers").split(","));
    }

    private static void contend(Map<String, String> options) throws InterruptedException {
        MutualExclusionChecker checker = new MutualExclusionChecker();
        Workload.Settings settings = new Workload.Settings()
                .servers(servers(options))
                .keyPrefix(options.get("prefix"))
                .clientPrefix(options.get("client"))
                .resources(Arrays.asList(options.get("resources").split(",")))
                .clients(Integer.parseInt(options.get("clients")))
                .ttl(Duration.ofMillis(Long.parseLong(options.get("ttl"))))
                .seed(Long.parseLong(options.get("seed")));
        try (RedisCounter counter = new RedisCounter(options.get("counter"))) {
            Workload workload = Workload.start(settings, checker, counter);
            try {
                Thread.sleep(Long.parseLong(options.get("millis")));
            } finally {
                workload.close();
            }
            checker.grants().forEach(grant -> say(HistoryLines.grant(grant)));
            checker.works().forEach(work -> say(HistoryLines.work(work)));
            workload.errors().forEach(error -> say("ERROR " + error));
            say("DONE " + workload.sections() + " " + workload.errors().size());
        }
    }

    private static void hold(Map<String, String> options, BufferedReader in) throws Exception {
        String resource = options.get("resource");
        String client = options.get("client");
        Duration ttl = Duration.ofMillis(Long.parseLong(options.get("ttl")));
        try (Redlock redlock = Redlock.builder().servers(servers(options)).keyPrefix(options.get("prefix"))
                .timeout(Duration.ofMillis(250)).build()) {
            LockResult result = redlock.tryLock(resource, ttl, Duration.ofSeconds(10));
            long acquired = System.nanoTime();
            Lease lease = result.leaseOrThrow();
            long validUntil = System.nanoTime() + lease.remaining().toNanos();
            say("HOLDING " + acquired + " " + validUntil);
            Thread stopper = new Thread(() -> {
                try {
                    String line;
                    while ((line = in.readLine()) != null && !line.equals("STOP")) {
                        // ignore anything else
                    }
                } catch (java.io.IOException e) {
                    // stdin closed: stop as well
                }
            }, "stop-reader");
            stopper.setDaemon(true);
            stopper.start();
            while (stopper.isAlive()) {
                Thread.sleep(20);
                // The "write": done without asking whether the lease is still valid.
                long at = System.nanoTime();
                say(HistoryLines.work(new Work(resource, client, at)) + "\t" + lease.isValid());
            }
            long releaseInvoked = System.nanoTime();
            boolean released = redlock.release(lease);
            say("RELEASED " + released);
            say(HistoryLines.grant(new Grant(resource, client, acquired, validUntil, releaseInvoked)));
            say("DONE");
        }
    }
}
