package io.github.redlock.spring.boot.readme;

import io.github.redlock.RedlockListener;
import io.github.redlock.Lease;
import io.github.redlock.LockRequest;
import io.github.redlock.RedisServer;
import io.github.redlock.Redlock;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.LockFailurePolicy;
import io.github.redlock.spring.boot.autoconfigure.RedlockBuilderCustomizer;
import io.github.redlock.spring.boot.autoconfigure.RedlockConnectionDetails;
import io.github.redlock.spring.observation.DefaultLockAcquireObservationConvention;
import io.github.redlock.spring.observation.LockAcquireObservationConvention;
import io.github.redlock.spring.observation.LockObservationContext;
import io.micrometer.common.KeyValues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import reactor.core.publisher.Mono;

/**
 * The Java examples of redlock-spring-boot-autoconfigure/README-section.md, so that they compile;
 * {@link ReadmeExamplesTests} also starts them. Keep both in step.
 */
final class ReadmeExamples {

    private ReadmeExamples() {
    }

    // --- Quick start ---------------------------------------------------------------------------

    @SpringBootApplication
    @EnableScheduling
    public static class ReportsApplication {

        public static void main(String[] args) {
            SpringApplication.run(ReportsApplication.class, args);
        }
    }

    @Component
    public static class NightlyReport {

        @Scheduled(cron = "0 0 2 * * *")
        @DistributedLock(resource = "nightly-report", ttl = 10, timeUnit = TimeUnit.MINUTES)
        public void run() {
            // runs on one instance per night, whatever the instances' clocks say
        }
    }

    // --- Scheduled jobs on several instances -----------------------------------------------------

    @Component
    public static class CacheSweep {

        @Scheduled(cron = "*/2 * * * * *")
        @DistributedLock(resource = "cache-sweep", ttl = 10)
        public void run() {
            // takes a few milliseconds; runs once every 2 s across all instances
        }
    }

    // --- Resource templates, waiting and THROW ---------------------------------------------------

    public record Invoice(long id, long amountCents) {
    }

    public record Receipt(long invoiceId) {
    }

    @Service
    public static class InvoiceService {

        @DistributedLock(resource = "invoice:#{#invoice.id}", ttl = 30, waitTime = 5,
                onFailure = LockFailurePolicy.THROW)
        public Receipt pay(Invoice invoice) {
            // one payment per invoice at a time, across every instance
            return new Receipt(invoice.id());
        }
    }

    @Service
    public static class ExportService {

        @DistributedLock(resource = "${spring.application.name:app}:export:#{#tenant}", autoExtend = true)
        public Optional<Path> export(String tenant) {
            // may run long: the lock is renewed every ttl/3 while it runs
            return Optional.of(Path.of("/tmp", tenant + ".csv"));
        }
    }

    // --- With @Transactional -----------------------------------------------------------------

    @Service
    public static class ExportJobs {

        @DistributedLock(resource = "export:#{#tenant}", ttl = 60)
        public CompletableFuture<Path> export(String tenant) {
            // the lock is held until this future completes, on whatever thread completes it
            return CompletableFuture.supplyAsync(() -> Path.of("/exports", tenant + ".csv"));
        }

        @DistributedLock(resource = "reindex:#{#tenant}", ttl = 60, autoExtend = true)
        public Mono<Long> reindex(String tenant) {
            // the lock is taken when the Mono is subscribed, without blocking, and released when it ends
            return Mono.fromCallable(() -> 42L);
        }
    }

    @Service
    public static class StockService {

        @Transactional
        @DistributedLock(resource = "stock:#{#sku}")
        public void reserve(String sku, int quantity) {
            // the lock is taken before the transaction begins and released after it commits
        }
    }

    // --- Self-invocation -------------------------------------------------------------------------

    @Service
    public static class Cleanup {

        private final Cleanup self;

        Cleanup(@Lazy Cleanup self) {
            this.self = self;
        }

        public void runAll() {
            purge();       // NOT locked: a call on 'this' does not go through the proxy
            self.purge();  // locked: a call through the bean
        }

        @DistributedLock(resource = "cleanup")
        public void purge() {
        }
    }

    // --- Customizing or replacing the engine -------------------------------------------------------

    @Configuration(proxyBeanMethods = false)
    public static class LockConfiguration {

        @Bean
        RedlockBuilderCustomizer lockKeyPrefix() {
            return builder -> builder.keyPrefix("orders:locks:");
        }

        @Bean
        RedlockListener lockAudit() {
            return new RedlockListener() {
                @Override
                public Running running(LockRequest request, Lease lease) {
                    return new Running() {
                        @Override
                        public void finished(boolean expired, Throwable error) {
                            if (expired) {
                                System.err.println("TTL too short for " + request.name().orElse("a lock"));
                            }
                        }
                    };
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    public static class OwnRedlockConfiguration {

        @Bean(destroyMethod = "close")
        Redlock redlock() {
            return Redlock.builder()
                    .servers("redis://10.0.0.1:6379", "redis://10.0.0.2:6379", "redis://10.0.0.3:6379")
                    .timeout(Duration.ofMillis(50))
                    .build();
        }
    }

    // --- Observations and tracing ---------------------------------------------------------------

    @Configuration(proxyBeanMethods = false)
    public static class LockObservationConfiguration {

        @Bean
        LockAcquireObservationConvention teamTaggedLockAcquisitions() {
            return new DefaultLockAcquireObservationConvention() {
                @Override
                public KeyValues getLowCardinalityKeyValues(LockObservationContext context) {
                    return super.getLowCardinalityKeyValues(context).and("team", "billing");
                }
            };
        }
    }

    // --- Connection details -------------------------------------------------------------------

    @Configuration(proxyBeanMethods = false)
    public static class LockServers {

        @Bean
        RedlockConnectionDetails redlockConnectionDetails(@Value("${locks.password}") String password) {
            return RedlockConnectionDetails.of(Stream.of("10.0.0.1", "10.0.0.2", "10.0.0.3")
                    .map(host -> RedisServer.of(host, 6379).withCredentials("locker", password))
                    .toList());
        }
    }

    // --- Using the engine directly -------------------------------------------------------------

    @Service
    public static class Rebalancer {

        private final Redlock redlock;

        Rebalancer(Redlock redlock) {
            this.redlock = redlock;
        }

        public boolean rebalance(int shard) {
            // One resource per shard; named "rebalance" in the meters and traces, which need few values.
            LockRequest request = LockRequest.of("rebalance:" + shard, Duration.ofSeconds(30)).withName("rebalance");
            Optional<Lease> lease = redlock.tryLock(request).lease();
            if (lease.isEmpty()) {
                return false;
            }
            try (Lease held = lease.get()) {
                moveShards(held.remaining()); // finish within the lease's validity
                return true;
            }
        }

        private void moveShards(Duration budget) {
        }
    }
}
