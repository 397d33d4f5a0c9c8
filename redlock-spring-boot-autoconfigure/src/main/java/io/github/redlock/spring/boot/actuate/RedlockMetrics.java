package io.github.redlock.spring.boot.actuate;

import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.RedlockListener;
import io.github.redlock.spring.support.DistributedLockListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Micrometer meters of lock calls, each tagged {@code resource} with the {@code @DistributedLock}
 * annotation's {@code resource} attribute as written, or for direct calls on the engine the
 * {@link LockRequest#name() request's name} ({@code unnamed} without one): a bounded set of values.
 * <ul>
 * <li>{@code redlock.acquisitions} (counter): locks acquired;</li>
 * <li>{@code redlock.failures} (counter, also tagged {@code reason} = {@code contended},
 * {@code unavailable} or {@code error}): locks not acquired (a {@code @DistributedLock} method then
 * did not run);</li>
 * <li>{@code redlock.acquire} (timer, also tagged {@code outcome} = {@code acquired} or the failure
 * reason): how long acquiring took;</li>
 * <li>{@code redlock.held} (long-task timer): {@code @DistributedLock} methods running under their
 * lock now, and for how long;</li>
 * <li>{@code redlock.expired} (counter): {@code @DistributedLock} methods that outlived their
 * lock's validity (TTL too short).</li>
 * </ul>
 * and, untagged by resource (releases and renewals name no request):
 * <ul>
 * <li>{@code redlock.releases} (counter, tagged {@code outcome} = {@code released}, or
 * {@code not_held} when too few nodes confirmed: the lock had expired or been taken over, or nodes
 * did not answer);</li>
 * <li>{@code redlock.renewals} (counter, tagged {@code outcome} = {@code renewed} or {@code failed}).</li>
 * </ul>
 * It listens to the engine ({@link RedlockListener}: acquisitions, releases, renewals of every call,
 * the advice's included) and to the advice ({@link DistributedLockListener}: held sections, expiries,
 * and calls that never reached the engine). Meters are created once per resource and reused.
 */
public class RedlockMetrics implements DistributedLockListener, RedlockListener {

    /** The tag holding the annotation's resource attribute. */
    public static final String RESOURCE = "resource";

    private final MeterRegistry registry;
    /** The resource tag of engine calls whose request has no name. */
    public static final String UNNAMED = "unnamed";

    private final Map<String, Meters> meters = new ConcurrentHashMap<>();
    private final Counter released;
    private final Counter notHeld;
    private final Counter renewed;
    private final Counter notRenewed;

    public RedlockMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.released = release(registry, "released");
        this.notHeld = release(registry, "not_held");
        this.renewed = renewal(registry, "renewed");
        this.notRenewed = renewal(registry, "failed");
    }

    private static Counter release(MeterRegistry registry, String outcome) {
        return Counter.builder("redlock.releases").description("Lock releases answered by the nodes")
                .tag("outcome", outcome).register(registry);
    }

    private static Counter renewal(MeterRegistry registry, String outcome) {
        return Counter.builder("redlock.renewals").description("Lock renewals (extend, auto-extend) answered by the nodes")
                .tag("outcome", outcome).register(registry);
    }

    @Override
    public Consumer<LockResult> acquiring(LockRequest request) {
        long start = System.nanoTime();
        Meters m = meters(request.name().orElse(UNNAMED));
        return result -> {
            Duration latency = Duration.ofNanos(System.nanoTime() - start);
            if (result.isAcquired()) {
                m.acquisitions.increment();
                m.acquiredTime.record(latency);
            } else {
                m.failed(FailureReason.of(result.failure()), latency);
            }
        };
    }

    @Override
    public void released(Release release) {
        (release.released() ? released : notHeld).increment();
    }

    @Override
    public void renewed(Renewal renewal) {
        (renewal.renewed() ? renewed : notRenewed).increment();
    }

    /** Counted from the engine's report ({@link #acquiring}), which also covers direct calls. */
    @Override
    public void acquired(String resource, Duration latency) {
    }

    /** Counted from the engine's report ({@link #acquiring}), which also covers direct calls. */
    @Override
    public void notAcquired(String resource, FailureReason reason, Duration latency) {
    }

    @Override
    public void notAttempted(String resource, FailureReason reason, Duration latency) {
        meters(resource).failed(reason, latency);
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
            acquisitions = Counter.builder("redlock.acquisitions").description("Locks acquired")
                    .tag(RESOURCE, resource).register(registry);
            acquiredTime = acquireTimer(registry, resource, "acquired");
            for (FailureReason reason : FailureReason.values()) {
                failures[reason.ordinal()] = Counter.builder("redlock.failures")
                        .description("Locks not acquired (a @DistributedLock method then did not run)")
                        .tag(RESOURCE, resource).tag("reason", reason.tagValue()).register(registry);
                failedTime[reason.ordinal()] = acquireTimer(registry, resource, reason.tagValue());
            }
            held = LongTaskTimer.builder("redlock.held").description("@DistributedLock methods running under their lock")
                    .tag(RESOURCE, resource).register(registry);
            expired = Counter.builder("redlock.expired")
                    .description("@DistributedLock methods that outlived their lock's validity (TTL too short)")
                    .tag(RESOURCE, resource).register(registry);
        }

        void failed(FailureReason reason, Duration latency) {
            failures[reason.ordinal()].increment();
            failedTime[reason.ordinal()].record(latency);
        }

        private static Timer acquireTimer(MeterRegistry registry, String resource, String outcome) {
            return Timer.builder("redlock.acquire").description("Time taken to acquire, or fail to acquire, a lock")
                    .tag(RESOURCE, resource).tag("outcome", outcome).register(registry);
        }
    }
}
