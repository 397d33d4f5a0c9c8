package io.github.redlock.fencing;

/**
 * A store of each resource's high-water mark, the highest fencing token accepted for it: the
 * server-side HTTP checks consult one. {@link InMemoryHighWaterMarks} serves a single server;
 * {@link RedisFencedWrites} shares the marks between servers.
 */
@FunctionalInterface
public interface HighWaterMarks {

    /**
     * Accepts {@code token} when it is equal to or greater than the resource's mark, making it the
     * mark, atomically; refuses a smaller one and leaves the mark as it is.
     *
     * @param resource the fenced resource
     * @param token the fencing token, 0 to 2^53-1
     * @return the verdict: accepted, or stale with the mark that made it so
     */
    FencingVerdict advance(String resource, long token);
}
