package io.github.redlock.sample.demo;

import io.github.redlock.sample.ScheduledJobsApplication;
import io.github.redlock.test.RedisNodes;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one-command demo: starts 3 local Redis nodes (unless {@code --servers} names real ones),
 * runs two (or {@code --instances}) instances, their scheduler clocks {@code --skew} apart, of the sample application against them as separate processes, lets their
 * jobs tick for a while, then prints which instance ran each tick and exits 0 only when no tick
 * ran twice and no runs overlapped. Run it with {@code samples/demo.sh}.
 */
public final class Demo {

    private static final Pattern COUNTER = Pattern.compile(
            "^redlock_(acquisitions|failures)_total\\{(.*)}\\s+([0-9.eE+-]+)$", Pattern.MULTILINE);
    private static final Pattern REASON = Pattern.compile("reason=\"([a-z]+)\"");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public static void main(String[] args) throws Exception {
        DemoReport report = new Demo().run(DemoOptions.parse(String.join(" ", args).trim().split("\\s+")));
        System.out.print(report.render());
        System.exit(report.passed() ? 0 : 1);
    }

    DemoReport run(DemoOptions options) throws Exception {
        RedisNodes nodes = options.servers().isEmpty() ? RedisNodes.start(3) : null;
        List<String> servers = nodes != null ? nodes.uris() : options.servers();
        List<Instance> instances = new ArrayList<>();
        try {
            Path logs = Files.createDirectories(Path.of("target", "demo"));
            for (int i = 0; i < options.instances(); i++) {
                instances.add(Instance.start("instance-" + (char) ('A' + i), servers, options.clockOffset(i), logs));
            }
            log("started %d instances against %s, scheduler clocks up to %d ms apart; logs in %s", instances.size(),
                    servers, options.skew().toMillis(), logs.toAbsolutePath());
            for (Instance instance : instances) {
                awaitReady(instance);
            }
            log("all ready; letting the jobs tick for %d s", options.duration().toSeconds());
            Thread.sleep(options.duration().toMillis()); // the observation window, not synchronisation
            List<Run> runs = new ArrayList<>();
            Map<String, Map<String, Double>> counters = new LinkedHashMap<>();
            for (Instance instance : instances) {
                get(instance, "/runs").lines().filter(line -> !line.isBlank()).map(Run::parse).forEach(runs::add);
                counters.put(instance.id(), counters(get(instance, "/actuator/prometheus")));
            }
            DemoReport report = new DemoReport(runs, counters);
            instances.forEach(Instance::stop); // flushes their spans
            return report.withTrace(trace(instances));
        } finally {
            instances.forEach(Instance::stop);
            if (nodes != null) {
                nodes.close();
            }
        }
    }

    /** One tick of the report job as the first instance that ran one traced it. */
    private static Optional<TraceSample> trace(List<Instance> instances) throws IOException {
        for (Instance instance : instances) {
            if (Files.exists(instance.spans())) {
                Optional<TraceSample> found = TraceSample.find(instance.id(), Files.readAllLines(instance.spans()),
                        "hold sample:report");
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    private void awaitReady(Instance instance) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!instance.process().isAlive()) {
                throw new IllegalStateException(instance.id() + " exited; see " + instance.log());
            }
            try {
                if (get(instance, "/actuator/health").contains("\"status\":\"UP\"")) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(instance.id() + " did not become healthy within 120 s; see " + instance.log());
    }

    private String get(Instance instance, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.port() + path))
                .timeout(Duration.ofSeconds(5)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Sums the redlock counters of one instance: acquisitions, and failures by reason. */
    static Map<String, Double> counters(String prometheus) {
        Map<String, Double> sums = new LinkedHashMap<>();
        Matcher line = COUNTER.matcher(prometheus);
        while (line.find()) {
            String name = line.group(1);
            if (name.equals("failures")) {
                Matcher reason = REASON.matcher(line.group(2));
                name = reason.find() ? reason.group(1) : "failures";
            }
            sums.merge(name, Double.parseDouble(line.group(3)), Double::sum);
        }
        return sums;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[demo] " + format + "%n", args);
    }

    /** One application process. */
    record Instance(String id, int port, Process process, Path log, Path spans) {

        static Instance start(String id, List<String> servers, Duration clockOffset, Path logs) throws IOException {
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            Path log = logs.resolve(id + ".log");
            Path spans = logs.resolve(id + "-spans.log");
            Files.deleteIfExists(spans);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process process = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), ScheduledJobsApplication.class.getName(),
                    "--server.port=" + port, "--sample.instance-id=" + id,
                    "--sample.clock-offset=" + clockOffset.toMillis() + "ms",
                    "--redlock.servers=" + String.join(",", servers), "--sample.trace-file=" + spans)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new Instance(id, port, process, log, spans);
        }

        /** Graceful stop (SIGTERM), so held locks are released; forced after 30 s. */
        void stop() {
            if (!process.isAlive()) {
                return;
            }
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
