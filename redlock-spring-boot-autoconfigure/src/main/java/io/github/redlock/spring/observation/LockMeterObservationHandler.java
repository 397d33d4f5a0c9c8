package io.github.redlock.spring.observation;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.MeterObservationHandler;
import io.micrometer.observation.Observation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Makes the same meters of the lock observations as Micrometer's {@code DefaultMeterObservationHandler}
 * (a {@code <name>} timer tagged with the low-cardinality key values and {@code error}, the error's
 * simple class name or {@code none}; a {@code <name>.active} long-task timer tagged with the
 * low-cardinality key values at the start; a {@code <name>.<event>} counter per event), but looks each
 * meter up once per name and key values instead of building its tags and registering it again on
 * every call: that lookup was most of what the observations cost per locked call.
 *
 * <p>Handles only {@link LockObservationContext}s, so that the application's meter handler keeps
 * every other observation. Like {@code RedlockMetrics}, it keeps the meters it found: a lock meter
 * removed from the registry afterwards is not registered again by this handler. It keeps at most
 * {@value #MAX_CACHED} meters of each kind (timers, long-task timers, and timers of calls that ended with
 * an error), whatever their names and key values; the ones after that (a convention that puts unbounded
 * values into the names or the low-cardinality key values) are registered on every call, as Micrometer's
 * handler does.
 */
public final class LockMeterObservationHandler implements MeterObservationHandler<LockObservationContext> {

    static final int MAX_CACHED = 10_000;

    private static final String ACTIVE = ".active";
    private static final String ERROR = "error";
    private static final String NO_ERROR = "none";

    private final MeterRegistry registry;
    private final Clock clock;
    private final boolean longTaskTimers;
    private final MeterCache<Timer> timers = new MeterCache<>();
    private final MeterCache<LongTaskTimer> active = new MeterCache<>();
    // Calls that ended with an error: rare, looked up by name, key values and error.
    private final Map<MeterKey, Timer> errorTimers = new ConcurrentHashMap<>();

    /**
     * @param longTaskTimers whether to make the {@code <name>.active} long-task timers (Boot's
     *        {@code DefaultMeterObservationHandler} leaves them out when its ignored meters say so)
     */
    public LockMeterObservationHandler(MeterRegistry registry, boolean longTaskTimers) {
        this.registry = registry;
        this.clock = registry.config().clock();
        this.longTaskTimers = longTaskTimers;
    }

    @Override
    public boolean supportsContext(Observation.Context context) {
        return context instanceof LockObservationContext;
    }

    @Override
    public void onStart(LockObservationContext context) {
        if (longTaskTimers) {
            String name = name(context);
            KeyValues keyValues = context.getLowCardinalityKeyValues();
            LongTaskTimer timer = active.get(name, keyValues);
            if (timer == null) {
                timer = active.keep(name, keyValues,
                        LongTaskTimer.builder(name + ACTIVE).tags(tags(keyValues, null)).register(registry));
            }
            context.meterLongTaskSample = timer.start();
        }
        context.meterStartNanos = clock.monotonicTime();
        context.meterStarted = true;
    }

    @Override
    public void onStop(LockObservationContext context) {
        if (context.meterStarted) {
            recordTimer(context, clock.monotonicTime() - context.meterStartNanos);
        }
        if (context.meterLongTaskSample instanceof LongTaskTimer.Sample longTaskSample) {
            longTaskSample.stop();
        }
    }

    private void recordTimer(LockObservationContext context, long nanos) {
        String name = name(context);
        KeyValues keyValues = context.getLowCardinalityKeyValues();
        Throwable error = context.getError();
        Timer timer;
        if (error == null) {
            timer = timers.get(name, keyValues);
            if (timer == null) {
                timer = timers.keep(name, keyValues,
                        Timer.builder(name).tags(tags(keyValues, NO_ERROR)).register(registry));
            }
        } else {
            MeterKey key = new MeterKey(name, keyValues, error.getClass().getSimpleName());
            timer = errorTimers.get(key);
            if (timer == null) {
                Timer registered = Timer.builder(name).tags(key.tags()).register(registry);
                timer = errorTimers.size() < MAX_CACHED ? errorTimers.computeIfAbsent(key, k -> registered) : registered;
            }
        }
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void onEvent(Observation.Event event, LockObservationContext context) {
        registry.counter(name(context) + "." + event.getName(),
                new MeterKey(name(context), context.getLowCardinalityKeyValues(), null).tags()).increment();
    }

    private static String name(Observation.Context context) {
        String name = context.getName();
        return name != null ? name : DefaultLockAcquireObservationConvention.NAME;
    }

    /**
     * Meters of one kind per name, then by key values: the default conventions hand back one
     * {@link KeyValues} instance per resource, policy and outcome, so a lookup is two hash reads and no
     * allocation. At most {@value #MAX_CACHED} meters in all, across names.
     */
    private static final class MeterCache<M> {

        private final Map<String, Map<KeyValues, M>> byName = new ConcurrentHashMap<>();
        // The meters kept, plus the ones being added right now: a place is taken before a meter is put.
        private final AtomicInteger size = new AtomicInteger();

        @Nullable M get(String name, KeyValues keyValues) {
            Map<KeyValues, M> byKeyValues = byName.get(name);
            return byKeyValues != null ? byKeyValues.get(keyValues) : null;
        }

        /**
         * Keeps {@code meter} (just registered, so the registry's own if it had one) unless the cache is
         * full; returns the one kept for these name and key values, or {@code meter}.
         */
        M keep(String name, KeyValues keyValues, M meter) {
            if (size.incrementAndGet() > MAX_CACHED) {
                size.decrementAndGet();
                return meter;
            }
            M kept = byName.computeIfAbsent(name, n -> new ConcurrentHashMap<>()).putIfAbsent(keyValues, meter);
            if (kept != null) {
                size.decrementAndGet();
                return kept;
            }
            return meter;
        }
    }

    private static Tags tags(KeyValues keyValues, @Nullable String error) {
        return new MeterKey("", keyValues, error).tags();
    }

    private record MeterKey(String name, KeyValues keyValues, @Nullable String error) {

        Tags tags() {
            List<Tag> tags = new ArrayList<>();
            for (KeyValue keyValue : keyValues) {
                tags.add(Tag.of(keyValue.getKey(), keyValue.getValue()));
            }
            if (error != null) {
                tags.add(Tag.of(ERROR, error));
            }
            return Tags.of(tags);
        }
    }
}
