package io.github.redlock.sample;

import io.github.redlock.spring.DistributedLock;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * A job that finishes in a few milliseconds: the case that most needs a minimum hold. Without
 * one, an instance whose clock runs a little behind would fire the same tick after the fast
 * instance had released the lock, and run it again. Being {@code @Scheduled}, the lock is kept by
 * default for half the time to the next tick (1 s here), so nothing needs tuning.
 */
@Component
public class CacheCleanupJob {

    private final RunLog runLog;

    public CacheCleanupJob(RunLog runLog) {
        this.runLog = runLog;
    }

    @Scheduled(cron = "${sample.cron.cleanup}")
    @DistributedLock(resource = "sample:cache-cleanup", ttl = 10)
    public void cleanUp() {
        runLog.record("cleanup", "cache", () -> null);
    }
}
