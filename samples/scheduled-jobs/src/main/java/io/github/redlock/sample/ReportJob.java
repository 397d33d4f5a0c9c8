package io.github.redlock.sample;

import io.github.redlock.spring.DistributedLock;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * A report that every instance schedules, and exactly one instance produces per tick.
 *
 * <p>The defaults for a {@code @Scheduled} method do the rest: an instance that finds the tick
 * taken skips it at once instead of retrying, and the lock is kept for half the time to the next
 * tick, so an instance that fires late (a busy scheduler, a skewed clock) finds it still taken.
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
    @DistributedLock(resource = "sample:report", ttl = 10)
    public void produceReport() {
        runLog.record("report", "report", () -> work.forMillis(300));
    }
}
