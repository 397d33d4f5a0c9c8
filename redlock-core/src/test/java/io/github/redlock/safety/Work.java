package io.github.redlock.safety;

/**
 * One write to the protected resource, done by a client that believed it held the lock. The time
 * is when the write completed, from the same monotonic clock as the {@link Grant}s.
 *
 * @param resource the resource the lock protects
 * @param client who wrote
 * @param atNanos when the write completed
 */
public record Work(String resource, String client, long atNanos) {

    @Override
    public String toString() {
        return client + " wrote " + resource + " at " + atNanos;
    }
}
