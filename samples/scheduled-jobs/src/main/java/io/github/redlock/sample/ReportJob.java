package io.github.redlock.sample;

import io.github.redlock.spring.DistributedLock;
import java.util.concurrent.TimeUnit;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * A report that every instance schedules, and exactly one instance produces per tick.
 *
 * <p>The minimum hold time keeps the lock until shortly before the next tick. Without it, an
 * instance that fires a few milliseconds late (a busy scheduler, a skewed clock) or whose lock
 * attempt is retried could take the lock right after the first instance released it, and run
 * the same tick a second time.
 */
@Component
public class ReportJob {

    private final RunLog runLog;
    private final SimulatedWork work;

    public ReportJob(RunLog runLog, SimulatedWork work) {
        this.runLog = runLog;
        this.work = work;
    }

    @Scheduled(cron = "${sample.cron.report}")
    @DistributedLock(resource = "sample:report", ttl = 10_000, minHoldTime = 1_500, timeUnit = TimeUnit.MILLISECONDS)
    public void produceReport() {
        runLog.record("report", "report", () -> work.forMillis(300));
    }
}
