package io.github.redlock;

import io.github.redlock.internal.Ticker;
import java.time.Duration;

/** A monotonic clock that moves only when a test says so. */
final class ManualTicker implements Ticker {

    private long now = 1_000_000_000L;

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    synchronized void advance(Duration duration) {
        now += duration.toNanos();
    }
}
