package io.github.redlock.sample;

import io.github.redlock.spring.DistributedLock;
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
     * Returns normally without sending when another caller holds this region's lock, for example a
     * resend of the region while the scheduled job is at it.
     */
    @DistributedLock(resource = "sample:invoices:#{#region}", ttl = 10)
    public void send(String region) {
        runLog.record("invoices", region, () -> work.forMillis(100));
    }
}
