package io.github.redlock.sample;

import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Sends invoices region by region. The lock is per region (a SpEL key over the argument), taken
 * in {@link InvoiceSender}, a separate bean: a call from this class to its own annotated method
 * would bypass the Spring proxy and run without the lock.
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
    public void sendInvoices() {
        regions.forEach(sender::send);
    }
}
