package io.github.redlock.integration;

/** A leader event of one instance, at a {@link System#nanoTime()} shared by the machine's processes. */
record LeaderEvent(String instance, Kind kind, long nanos) {

    enum Kind {
        GRANTED,
        REVOKED,
        /** The instance was killed (recorded by the test once the process was gone). */
        KILLED
    }
}
