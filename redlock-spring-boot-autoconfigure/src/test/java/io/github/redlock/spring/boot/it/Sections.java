package io.github.redlock.spring.boot.it;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sections of guarded work, counted across threads: how many methods were called, how many
 * sections ran, and how many overlapped another one (a lock that let two holders in).
 */
final class Sections {

    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger overlaps = new AtomicInteger();
    final AtomicInteger runs = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();

    void reset() {
        inside.set(0);
        overlaps.set(0);
        runs.set(0);
        calls.set(0);
    }

    /** One section of {@code work}, on the calling thread; an interrupt ends it early. */
    void run(Duration work) {
        if (inside.incrementAndGet() > 1) {
            overlaps.incrementAndGet();
        }
        try {
            Thread.sleep(work.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inside.decrementAndGet();
            runs.incrementAndGet();
        }
    }
}
