package io.github.redlock.sample;

import io.github.redlock.spring.DistributedLock;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Sends invoices region by region, once per tick across all instances: the tick's lock is taken
 * on this {@code @Scheduled} method, with the defaults for scheduled jobs. Each region is sent
 * under a lock of its own (a SpEL key over the argument) in {@link InvoiceSender}, a separate
 * bean: a call from this class to its own annotated method would bypass the Spring proxy and run
 * without the lock.
 *
 * <p>Why not only the per-region locks? {@code InvoiceSender.send} is not {@code @Scheduled}, so an
 * instance turned away from one region would retry it (about a second) before trying the next,
 * and could then find the next region's lock already let go and send it a second time.
 */
@Component
public class InvoiceJob {

    private final InvoiceSender sender;
    private final List<String> regions;

    public InvoiceJob(InvoiceSender sender, @Value("${sample.regions:eu,us}") List<String> regions) {
        this.sender = sender;
        this.regions = regions;
    }

    @Scheduled(cron = "${sample.cron.invoices}")
    @DistributedLock(resource = "sample:invoices", ttl = 10)
    public void sendInvoices() {
        regions.forEach(sender::send);
    }
}
