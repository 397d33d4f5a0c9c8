package io.github.redlock.benchmarks;

import java.util.List;
import java.util.function.BiPredicate;

/**
 * One side of {@code PairedCheck --observed}: a context with the starter, Boot's meter and
 * observation registries and a {@code @DistributedLock} bean ({@link SpringAdviceTarget.Telemetry#GATED}),
 * whose telemetry is turned on or off for each call. Its types are the JDK's only, so that
 * {@link PairedCheck} can drive a side loaded from another jar (the code before a change, see
 * benchmarks/baseline/) beside this one, in one JVM; each side has a class loader of its own.
 */
public final class ObservedSide implements BiPredicate<String, Boolean>, AutoCloseable {

    private static final Runnable NOTHING = () -> { };

    private final SpringAdviceTarget context;
    private final LockTarget observed;
    private final LockTarget plain;

    public ObservedSide(List<String> uris) {
        this.context = new SpringAdviceTarget(uris, true, SpringAdviceTarget.Telemetry.GATED);
        this.observed = context.gated(GatedTelemetry.Level.ALL);
        this.plain = context.gated(GatedTelemetry.Level.NONE);
    }

    /** One {@code @DistributedLock} call on {@code resource}, with meters and observations or without; whether it ran. */
    @Override
    public boolean test(String resource, Boolean telemetry) {
        return (telemetry ? observed : plain).cycle(resource, NOTHING);
    }

    @Override
    public void close() {
        context.close();
    }
}
