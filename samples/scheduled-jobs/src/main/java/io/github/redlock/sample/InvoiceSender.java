package io.github.redlock.sample;

import io.github.redlock.spring.DistributedLock;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/** Sends one region's invoices under a lock named after the region. */
@Component
public class InvoiceSender {

    private final RunLog runLog;
    private final SimulatedWork work;

    public InvoiceSender(RunLog runLog, SimulatedWork work) {
        this.runLog = runLog;
        this.work = work;
    }

    /**
     * Returns normally without sending when another instance holds this region's lock. This method
     * is called by a scheduled job but is not {@code @Scheduled} itself, so the tick defaults do not
     * apply to it: it states its minimum hold (below the 2 s between ticks), which also outlasts the
     * other instances' retries (about a second with the default {@code redlock.retry-*}).
     */
    @DistributedLock(resource = "sample:invoices:#{#region}", ttl = 10_000, minHoldTime = 1_500,
            timeUnit = TimeUnit.MILLISECONDS)
    public void send(String region) {
        runLog.record("invoices", region, () -> work.forMillis(100));
    }
}
