package io.github.redlock.sample.demo;

import java.time.Instant;

/** One job run as an instance reported it at {@code GET /runs}. */
record Run(String job, String key, Instant tick, String instance, long startNanos, long endNanos) {

    static Run parse(String csv) {
        String[] f = csv.split(",", -1);
        return new Run(f[0], f[1], Instant.parse(f[2]), f[3], Long.parseLong(f[4]), Long.parseLong(f[5]));
    }

    String lock() {
        return job + "[" + key + "]";
    }

    boolean overlaps(Run other) {
        return startNanos < other.endNanos && other.startNanos < endNanos;
    }
}
