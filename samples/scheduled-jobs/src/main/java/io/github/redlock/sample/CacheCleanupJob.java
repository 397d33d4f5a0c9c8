package io.github.redlock.sample;

import io.github.redlock.spring.DistributedLock;
import java.util.concurrent.TimeUnit;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * A job that finishes in a few milliseconds: the case that most needs a minimum hold time.
 * Without it, an instance whose clock runs a little behind fires the same tick after the fast
 * instance has already released the lock, and the tick runs twice. {@code minHoldTime} keeps
 * the lock for 1.5 s after a fast run, less than the 2 s between ticks.
 */
@Component
public class CacheCleanupJob {

    private final RunLog runLog;

    public CacheCleanupJob(RunLog runLog) {
        this.runLog = runLog;
    }

    @Scheduled(cron = "${sample.cron.cleanup}")
    @DistributedLock(resource = "sample:cache-cleanup", ttl = 10_000, minHoldTime = 1_500, timeUnit = TimeUnit.MILLISECONDS)
    public void cleanUp() {
        runLog.record("cleanup", "cache", () -> null);
    }
}
