package io.github.redlock.safety;

import io.github.redlock.Lease;
import io.github.redlock.LockResult;
import io.github.redlock.Redlock;
import java.io.BufferedReader;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The second JVM of the safety suite, started by {@link ChildJvm}. Protocol on standard input and
 * output, one line each ({@link ChildProtocol}): it prints {@code READY <pid>}, answers every
 * {@code CLOCK} with {@code CLOCK <System.nanoTime()>}, and starts on {@code GO}.
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

    private SafetyChildMain() {
    }

    public static void main(String[] args) {
        ChildProtocol.run(args, (options, in) -> {
            switch (options.get("mode")) {
                case "contend" -> contend(options);
                case "hold" -> hold(options, in);
                default -> throw new IllegalArgumentException("unknown mode " + options.get("mode"));
            }
        });
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
            checker.grants().forEach(grant -> ChildProtocol.say(HistoryLines.grant(grant)));
            checker.works().forEach(work -> ChildProtocol.say(HistoryLines.work(work)));
            workload.errors().forEach(error -> ChildProtocol.say("ERROR " + error));
            ChildProtocol.say("DONE " + workload.sections() + " " + workload.errors().size());
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
            ChildProtocol.say("HOLDING " + acquired + " " + validUntil);
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
                ChildProtocol.say(HistoryLines.work(new Work(resource, client, at)) + "\t" + lease.isValid());
            }
            long releaseInvoked = System.nanoTime();
            boolean released = redlock.release(lease);
            ChildProtocol.say("RELEASED " + released);
            ChildProtocol.say(HistoryLines.grant(new Grant(resource, client, acquired, validUntil, releaseInvoked)));
            ChildProtocol.say("DONE");
        }
    }
}
