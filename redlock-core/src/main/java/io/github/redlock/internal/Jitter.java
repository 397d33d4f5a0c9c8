package io.github.redlock.internal;

import java.util.concurrent.ThreadLocalRandom;

/** A random delay in {@code [0, bound]} nanoseconds. */
@FunctionalInterface
public interface Jitter {

    Jitter RANDOM = bound -> bound <= 0 ? 0 : ThreadLocalRandom.current().nextLong(bound + 1);

    long nextNanos(long boundNanos);
}
