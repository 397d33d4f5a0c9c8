package io.github.redlock.sample;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Records every job run of this instance (job, tick, start and end), logs it, and serves the
 * record at {@code GET /runs} so the demo can check that each tick ran exactly once.
 */
@Component
public class RunLog {

    private static final Logger log = LoggerFactory.getLogger(RunLog.class);

    /**
     * One run. Times are {@link System#nanoTime()} readings: on Linux that is CLOCK_MONOTONIC,
     * shared by every process on the machine, so runs of several local instances can be compared.
     */
    public record Run(String job, String key, Instant tick, String instance, long startNanos, long endNanos) {

        String toCsv() {
            return String.join(",", job, key, tick.toString(), instance, Long.toString(startNanos), Long.toString(endNanos));
        }
    }

    private final InstanceId instance;
    private final Clock schedulerClock;
    private final Duration tickLength;
    private final List<Run> runs = new CopyOnWriteArrayList<>();

    public RunLog(InstanceId instance, Clock schedulerClock, @Value("${sample.tick:2s}") Duration tickLength) {
        this.instance = instance;
        this.schedulerClock = schedulerClock;
        this.tickLength = tickLength;
    }

    /** Runs {@code work} as one run of {@code job} for {@code key}, recording and logging it. */
    public <T> T record(String job, String key, Supplier<T> work) {
        Instant now = schedulerClock.instant(); // the tick as this instance's scheduler counts it
        long tickMillis = tickLength.toMillis();
        Instant tick = Instant.ofEpochMilli(now.toEpochMilli() / tickMillis * tickMillis);
        long start = System.nanoTime();
        try {
            return work.get();
        } finally {
            long end = System.nanoTime();
            runs.add(new Run(job, key, tick, instance.toString(), start, end));
            log.info("{} [{}] for tick {} ran on instance {} in {} ms", job, key, tick, instance,
                    Duration.ofNanos(end - start).toMillis());
        }
    }

    public List<Run> runs() {
        return List.copyOf(runs);
    }

    /** The runs as CSV lines: job,key,tick,instance,startNanos,endNanos. */
    public String toCsv() {
        StringBuilder csv = new StringBuilder();
        runs.forEach(run -> csv.append(run.toCsv()).append('\n'));
        return csv.toString();
    }
}
