package io.github.redlock.benchmarks;

import io.github.redlock.Lease;
import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.Redlock;
import io.github.redlock.RedlockListener;
import io.github.redlock.test.RedisNodes;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What the meters and the lock observations cost per locked call, in process and without the
 * network: the {@code RedlockListener} beans of a Spring Boot context are told one locked call as
 * the engine tells them ({@code acquiring}, its result, {@code running}, {@code returned},
 * {@code finished}), with a real result and lease taken once from one redis-server. Three contexts:
 * {@code plain} (the starter alone), {@code meters} (with a {@code MeterRegistry}: the counters) and
 * {@code observed} (also Boot's {@code ObservationRegistry}, whose meter handler makes the timers: what
 * an application with Actuator has). Each round runs a batch of calls of each, in an order that changes
 * every round, so load that comes and goes hits them alike; what is reported is the median over the
 * rounds of each context's cost per call minus {@code plain}'s in the same round, with the quartiles,
 * and the bytes allocated per call.
 *
 * <pre>java -cp benchmarks.jar io.github.redlock.benchmarks.TelemetryCheck [ROUNDS [CALLS_PER_BATCH]]</pre>
 * Defaults: 60 measured rounds of 20,000 calls, after 20 warm-up rounds.
 */
public final class TelemetryCheck {

    private static final int WARMUP_ROUNDS = 20;

    private TelemetryCheck() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        try (RedisNodes node = RedisNodes.start(1);
                SpringAdviceTarget plain = new SpringAdviceTarget(node.uris(), true, SpringAdviceTarget.Telemetry.NONE);
                SpringAdviceTarget meters = new SpringAdviceTarget(node.uris(), true, SpringAdviceTarget.Telemetry.METERS);
                SpringAdviceTarget observed = new SpringAdviceTarget(node.uris(), true,
                        SpringAdviceTarget.Telemetry.OBSERVED)) {
            List<Calls> all = List.of(new Calls("plain", plain), new Calls("meters", meters),
                    new Calls("observed", observed));
            for (int r = 0; r < WARMUP_ROUNDS; r++) {
                round(all, r, batch, false);
            }
            for (int r = 0; r < rounds; r++) {
                round(all, r, batch, true);
            }
            System.out.println("telemetry observed context's lock meters: " + observed.context()
                    .getBean(MeterRegistry.class).getMeters().stream().map(meter -> meter.getId().getName())
                    .filter(name -> name.startsWith("redlock.lock.")).distinct().sorted().toList());
            Calls base = all.get(0);
            System.out.printf(Locale.ROOT, "telemetry per locked call, in process, %d rounds of %d calls: plain %.2f µs%n",
                    rounds, batch, median(base.micros));
            for (Calls calls : all.subList(1, all.size())) {
                double[] added = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    added[r] = calls.micros[r] - base.micros[r];
                }
                Arrays.sort(added);
                System.out.printf(Locale.ROOT, "telemetry %s adds %.2f µs per call (quartiles %.2f to %.2f), %.0f B per call%n",
                        calls.name, added[rounds / 2], added[rounds / 4], added[rounds * 3 / 4],
                        calls.bytes / (double) calls.calls - base.bytes / (double) base.calls);
            }
        }
    }

    private static void round(List<Calls> all, int round, int batch, boolean measure) {
        for (Calls calls : PairedCheck.order(all, round)) {
            calls.batch(batch, measure ? round : -1);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** One context's listeners, told locked calls in batches. */
    private static final class Calls {

        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

        private final String name;
        private final RedlockListener listener;
        private final LockRequest request;
        private final LockResult result;
        private final Lease lease;
        private double[] micros = new double[0];
        private long bytes;
        private long calls;

        Calls(String name, SpringAdviceTarget context) {
            this.name = name;
            this.listener = RedlockListener.composite(new ArrayList<>(
                    context.context().getBeansOfType(RedlockListener.class).values()));
            // As the @DistributedLock advice asks: named by its resource template, tagged with its policy.
            this.request = LockRequest.of("telemetry:" + name, Settings.TTL).withName("invoice:#{#id}")
                    .withTag("policy", "throw");
            Redlock redlock = context.context().getBean(Redlock.class);
            this.result = redlock.tryLock(LockRequest.of("telemetry:" + name, Settings.TTL));
            this.lease = result.leaseOrThrow();
        }

        void batch(int count, int round) {
            long bytesBefore = allocated();
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                listener.acquiring(request).accept(result);
                RedlockListener.Running running = listener.running(request, lease);
                running.returned();
                running.finished(false, null);
            }
            long nanos = System.nanoTime() - t0;
            long bytesAfter = allocated();
            if (round >= 0) {
                if (micros.length <= round) {
                    micros = Arrays.copyOf(micros, round + 1);
                }
                micros[round] = nanos / 1e3 / count;
                bytes += bytesAfter - bytesBefore;
                calls += count;
            }
        }

        @SuppressWarnings("deprecation") // getId(): threadId() is Java 19+
        private static long allocated() {
            return THREADS instanceof com.sun.management.ThreadMXBean sun
                    ? sun.getThreadAllocatedBytes(Thread.currentThread().getId()) : 0;
        }
    }
}
