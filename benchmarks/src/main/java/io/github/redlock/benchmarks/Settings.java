package io.github.redlock.benchmarks;

import java.time.Duration;

/** What every client under test is given, so that they are compared on equal terms. */
final class Settings {

    /** Lock TTL (lease time) for every client. Uncontended cycles release long before it runs out. */
    static final Duration TTL = Duration.ofSeconds(10);

    /** Per-node command timeout, where the client has one (the engine's default). */
    static final Duration NODE_TIMEOUT = Duration.ofMillis(100);

    /** Connect timeout for every client. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private Settings() {
    }
}
