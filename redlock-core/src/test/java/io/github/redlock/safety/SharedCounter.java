package io.github.redlock.safety;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The damage gauge: a counter per resource that critical sections increment by an
 * unsynchronised read, sleep, write. Only mutual exclusion keeps it exact; two holders at once
 * lose an update.
 */
interface SharedCounter {

    long read(String resource);

    void write(String resource, long value);

    /** The current value, for the final check. */
    default long value(String resource) {
        return read(resource);
    }

    /**
     * A counter in this JVM. Reads and writes are volatile (so a lost update is caused by the lock,
     * not by the memory model) but separate, so nothing but the lock makes them atomic.
     */
    static SharedCounter inMemory() {
        ConcurrentHashMap<String, AtomicLong> values = new ConcurrentHashMap<>();
        return new SharedCounter() {
            @Override
            public long read(String resource) {
                return values.computeIfAbsent(resource, r -> new AtomicLong()).get();
            }

            @Override
            public void write(String resource, long value) {
                values.computeIfAbsent(resource, r -> new AtomicLong()).set(value);
            }
        };
    }
}
