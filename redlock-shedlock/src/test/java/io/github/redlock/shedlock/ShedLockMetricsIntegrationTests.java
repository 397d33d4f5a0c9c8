package io.github.redlock.shedlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Redlock;
import io.github.redlock.spring.boot.actuate.RedlockMetrics;
import io.github.redlock.test.RedisNodesExtension;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code resource} tag of the lock meters stays bounded under ShedLock: names that
 * {@code LockingTaskExecutor} callers make up at run time (one per order, per tenant...) do not
 * each create a meter series. Three real redis-server nodes, {@link RedlockMetrics} as the starter
 * registers it.
 */
@Timeout(120)
class ShedLockMetricsIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Redlock redlock = Redlock.builder().servers(redis.uris()).keyPrefix("metrics:")
            .timeout(Duration.ofMillis(500)).build();

    @AfterEach
    void close() {
        redlock.close();
    }

    @Test
    void aThousandDistinctNamesDoNotCreateAThousandMeterSeries() {
        redlock.addListener(new RedlockMetrics(meters));
        RedlockLockProvider provider = new RedlockLockProvider(redlock);
        int locked = 0;
        for (int i = 0; i < 1_000; i++) {
            Optional<SimpleLock> lock = provider.lock(new LockConfiguration(ClockProvider.now(), "order-" + i,
                    Duration.ofSeconds(10), Duration.ZERO));
            if (lock.isPresent()) {
                locked++;
                lock.get().unlock();
            }
        }
        assertThat(locked).isEqualTo(1_000);
        Set<String> tagged = meters.find("redlock.acquisitions").counters().stream()
                .map(counter -> counter.getId().getTag(RedlockMetrics.RESOURCE)).collect(Collectors.toSet());
        assertThat(tagged.size()).as("resource tags of redlock.acquisitions").isLessThanOrEqualTo(
                RedlockLockProvider.DEFAULT_TAGGED_NAMES + 1);
        double counted = meters.find("redlock.acquisitions").counters().stream().mapToDouble(Counter::count).sum();
        assertThat(counted).as("every acquisition is still counted").isEqualTo(1_000d);
        assertThat(tagged).contains("order-0", "order-99", RedlockLockProvider.OTHER_NAMES)
                .doesNotContain("order-100");
    }
}
