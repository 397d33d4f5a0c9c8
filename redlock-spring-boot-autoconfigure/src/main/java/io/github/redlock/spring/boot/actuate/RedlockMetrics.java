package io.github.redlock.spring.boot.actuate;

import io.github.redlock.Lease;
import io.github.redlock.LockFailure;
import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.RedlockListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer counters of lock calls, through {@code @DistributedLock} or directly on the engine, each
 * tagged {@code resource} with the {@link LockRequest#name() request's name} (the advice names its
 * calls by the annotation's {@code resource} attribute as written), or {@code unnamed} without one:
 * a bounded set of values.
 * <ul>
 * <li>{@code redlock.acquisitions}: locks acquired;</li>
 * <li>{@code redlock.failures} (also tagged {@code reason} = {@code contended}, {@code unavailable}
 * or {@code error}): locks not acquired (a {@code @DistributedLock} method then did not run), also
 * calls that never reached an engine ({@code error}: the resource could not be evaluated;
 * {@code unavailable}: no Redlock configured);</li>
 * <li>{@code redlock.reentries}: nested calls that ran under a lock their call chain already held
 * (not acquisitions: nothing was acquired);</li>
 * <li>{@code redlock.expired}: locked calls whose work outlived their lock's validity (TTL too
 * short, or a kept-alive lock lost);</li>
 * </ul>
 * and, untagged by resource (releases and renewals name no request):
 * <ul>
 * <li>{@code redlock.releases} (tagged {@code outcome} = {@code released}, or {@code not_held} when
 * too few nodes confirmed: the lock had expired or been taken over, or nodes did not answer);</li>
 * <li>{@code redlock.renewals} (tagged {@code outcome} = {@code renewed} or {@code failed}).</li>
 * </ul>
 * It writes no timers: how long acquiring and holding took are the timers Micrometer's
 * {@code DefaultMeterObservationHandler} derives from the lock observations
 * ({@code redlock.lock.acquire}, {@code redlock.lock.hold}, {@code redlock.lock.hold.active}; see
 * {@link io.github.redlock.spring.observation.RedlockObservationListener}). Spring Boot registers that
 * handler whenever it has both a {@code MeterRegistry} and an {@code ObservationRegistry}; without an
 * {@code ObservationRegistry} (or with {@code management.observations.enable.redlock=false}) there are
 * no lock timers, only these counters. Meters are created once per name and reused.
 */
public class RedlockMetrics implements RedlockListener {

    /** The tag holding the request's name. */
    public static final String RESOURCE = "resource";

    /** The resource tag of calls whose request has no name. */
    public static final String UNNAMED = "unnamed";

    private final MeterRegistry registry;
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
        return meters(request.name().orElse(UNNAMED)).report;
    }

    @Override
    public Running running(LockRequest request, Lease lease) {
        if (request.reentry().isPresent()) {
            return Running.IGNORED; // the call chain's own lock: its outer call counts an expiry
        }
        return meters(request.name().orElse(UNNAMED)).running;
    }

    @Override
    public void notAttempted(String name, Map<String, String> tags, @Nullable Throwable error) {
        meters(name).failures[(error == null ? Reason.UNAVAILABLE : Reason.ERROR).ordinal()].increment();
    }

    @Override
    public void released(Release release) {
        (release.released() ? released : notHeld).increment();
    }

    @Override
    public void renewed(Renewal renewal) {
        (renewal.renewed() ? renewed : notRenewed).increment();
    }

    /** The {@code reason} tag of a failure. */
    static Reason reason(LockFailure failure) {
        return switch (failure) {
            case CONTENDED -> Reason.CONTENDED;
            case UNAVAILABLE, VALIDITY_EXPIRED -> Reason.UNAVAILABLE;
            case INTERRUPTED -> Reason.ERROR;
        };
    }

    private Meters meters(String name) {
        Meters m = meters.get(name);
        return m != null ? m : meters.computeIfAbsent(name, n -> new Meters(registry, n));
    }

    /** The {@code reason} tag values of {@code redlock.failures}. */
    enum Reason {
        CONTENDED, UNAVAILABLE, ERROR;

        String tagValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final class Meters {

        final Counter acquisitions;
        final Counter[] failures = new Counter[Reason.values().length];
        final Counter reentries;
        final Counter expired;
        // Built once per resource, not per call.
        final Consumer<LockResult> report = this::count;
        final Running running = new Running() {
            @Override
            public void finished(boolean outlived, @Nullable Throwable error) {
                if (outlived) {
                    expired.increment();
                }
            }
        };

        Meters(MeterRegistry registry, String resource) {
            acquisitions = Counter.builder("redlock.acquisitions").description("Locks acquired")
                    .tag(RESOURCE, resource).register(registry);
            for (Reason reason : Reason.values()) {
                failures[reason.ordinal()] = Counter.builder("redlock.failures")
                        .description("Locks not acquired (a @DistributedLock method then did not run)")
                        .tag(RESOURCE, resource).tag("reason", reason.tagValue()).register(registry);
            }
            reentries = Counter.builder("redlock.reentries")
                    .description("Nested calls that ran under a lock their call chain already held")
                    .tag(RESOURCE, resource).register(registry);
            expired = Counter.builder("redlock.expired")
                    .description("Locked calls whose work outlived their lock's validity (TTL too short)")
                    .tag(RESOURCE, resource).register(registry);
        }

        private void count(LockResult result) {
            if (result.reentered()) {
                reentries.increment();
            } else if (result.isAcquired()) {
                acquisitions.increment();
            } else {
                failures[reason(result.failure()).ordinal()].increment();
            }
        }
    }
}
