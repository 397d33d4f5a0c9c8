package io.github.redlock.spring.boot.actuate;

import io.github.redlock.spring.support.DistributedLockListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Micrometer meters of {@code @DistributedLock} methods, each tagged {@code resource} with the
 * annotation's {@code resource} attribute as written (a bounded set of values):
 * <ul>
 * <li>{@code redlock.acquisitions} (counter): locks acquired;</li>
 * <li>{@code redlock.failures} (counter, also tagged {@code reason} = {@code contended},
 * {@code unavailable} or {@code error}): locks not acquired, so the method did not run;</li>
 * <li>{@code redlock.acquire} (timer, also tagged {@code outcome} = {@code acquired} or the failure
 * reason): how long acquiring took;</li>
 * <li>{@code redlock.held} (long-task timer): methods running under their lock now, and for how long;</li>
 * <li>{@code redlock.expired} (counter): methods that outlived their lock's validity (TTL too short).</li>
 * </ul>
 * Meters are created once per resource and reused.
 */
public class RedlockMetrics implements DistributedLockListener {

    /** The tag holding the annotation's resource attribute. */
    public static final String RESOURCE = "resource";

    private final MeterRegistry registry;
    private final Map<String, Meters> meters = new ConcurrentHashMap<>();

    public RedlockMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void acquired(String resource, Duration latency) {
        Meters m = meters(resource);
        m.acquisitions.increment();
        m.acquiredTime.record(latency);
    }

    @Override
    public void notAcquired(String resource, FailureReason reason, Duration latency) {
        Meters m = meters(resource);
        m.failures[reason.ordinal()].increment();
        m.failedTime[reason.ordinal()].record(latency);
    }

    @Override
    public Runnable running(String resource) {
        LongTaskTimer.Sample sample = meters(resource).held.start();
        return sample::stop;
    }

    @Override
    public void expired(String resource) {
        meters(resource).expired.increment();
    }

    private Meters meters(String resource) {
        Meters m = meters.get(resource);
        return m != null ? m : meters.computeIfAbsent(resource, r -> new Meters(registry, r));
    }

    private static final class Meters {

        final Counter acquisitions;
        final Timer acquiredTime;
        final Counter[] failures = new Counter[FailureReason.values().length];
        final Timer[] failedTime = new Timer[FailureReason.values().length];
        final LongTaskTimer held;
        final Counter expired;

        Meters(MeterRegistry registry, String resource) {
            acquisitions = Counter.builder("redlock.acquisitions").description("Locks acquired by @DistributedLock methods")
                    .tag(RESOURCE, resource).register(registry);
            acquiredTime = acquireTimer(registry, resource, "acquired");
            for (FailureReason reason : FailureReason.values()) {
                failures[reason.ordinal()] = Counter.builder("redlock.failures")
                        .description("Locks not acquired by @DistributedLock methods, which then did not run")
                        .tag(RESOURCE, resource).tag("reason", reason.tagValue()).register(registry);
                failedTime[reason.ordinal()] = acquireTimer(registry, resource, reason.tagValue());
            }
            held = LongTaskTimer.builder("redlock.held").description("@DistributedLock methods running under their lock")
                    .tag(RESOURCE, resource).register(registry);
            expired = Counter.builder("redlock.expired")
                    .description("@DistributedLock methods that outlived their lock's validity (TTL too short)")
                    .tag(RESOURCE, resource).register(registry);
        }

        private static Timer acquireTimer(MeterRegistry registry, String resource, String outcome) {
            return Timer.builder("redlock.acquire").description("Time taken to acquire, or fail to acquire, a lock")
                    .tag(RESOURCE, resource).tag("outcome", outcome).register(registry);
        }
    }
}
