package io.github.redlock.spring.observation;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
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
import java.util.function.Function;
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
 * removed from the registry afterwards is not registered again by this handler. At most
 * {@value #MAX_CACHED} key sets are kept; the ones after that (a convention that puts unbounded
 * values into the low-cardinality key values) are registered on every call, as Micrometer's handler does.
 */
public final class LockMeterObservationHandler implements MeterObservationHandler<LockObservationContext> {

    static final int MAX_CACHED = 10_000;

    private static final String ACTIVE = ".active";
    private static final String ERROR = "error";
    private static final String NO_ERROR = "none";

    private final MeterRegistry registry;
    private final boolean longTaskTimers;
    private final Map<MeterKey, Timer> timers = new ConcurrentHashMap<>();
    private final Map<MeterKey, LongTaskTimer> active = new ConcurrentHashMap<>();

    /**
     * @param longTaskTimers whether to make the {@code <name>.active} long-task timers (Boot's
     *        {@code DefaultMeterObservationHandler} leaves them out when its ignored meters say so)
     */
    public LockMeterObservationHandler(MeterRegistry registry, boolean longTaskTimers) {
        this.registry = registry;
        this.longTaskTimers = longTaskTimers;
    }

    @Override
    public boolean supportsContext(Observation.Context context) {
        return context instanceof LockObservationContext;
    }

    @Override
    public void onStart(LockObservationContext context) {
        if (longTaskTimers) {
            String name = name(context) + ACTIVE;
            context.meterLongTaskSample = meter(active, new MeterKey(name, context.getLowCardinalityKeyValues(), null),
                    key -> LongTaskTimer.builder(key.name()).tags(key.tags()).register(registry)).start();
        }
        context.meterSample = Timer.start(registry);
    }

    @Override
    public void onStop(LockObservationContext context) {
        if (context.meterSample instanceof Timer.Sample sample) {
            Throwable error = context.getError();
            MeterKey key = new MeterKey(name(context), context.getLowCardinalityKeyValues(),
                    error != null ? error.getClass().getSimpleName() : NO_ERROR);
            sample.stop(meter(timers, key, k -> Timer.builder(k.name()).tags(k.tags()).register(registry)));
        }
        if (context.meterLongTaskSample instanceof LongTaskTimer.Sample longTaskSample) {
            longTaskSample.stop();
        }
    }

    @Override
    public void onEvent(Observation.Event event, LockObservationContext context) {
        registry.counter(name(context) + "." + event.getName(),
                new MeterKey(name(context), context.getLowCardinalityKeyValues(), null).tags()).increment();
    }

    /** The observation's name: set by its convention before it starts. */
    private static String name(Observation.Context context) {
        String name = context.getName();
        return name != null ? name : DefaultLockAcquireObservationConvention.NAME;
    }

    private static <M> M meter(Map<MeterKey, M> cache, MeterKey key, Function<MeterKey, M> register) {
        M meter = cache.get(key);
        if (meter != null) {
            return meter;
        }
        return cache.size() < MAX_CACHED ? cache.computeIfAbsent(key, register) : register.apply(key);
    }

    /** A meter's name, the observation's low-cardinality key values, and the error tag's value for timers. */
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
