package io.github.redlock.fencing;

import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * High-water marks in this JVM's memory, for a single server whose protected state lives in the
 * same JVM. The marks are lost on restart, and they fence nothing across servers: for several
 * servers use {@link RedisFencedWrites} or the JDBC guard. Thread-safe.
 */
public final class InMemoryHighWaterMarks implements HighWaterMarks {

    private final ConcurrentMap<String, Long> marks = new ConcurrentHashMap<>();

    @Override
    public FencingVerdict advance(String resource, long token) {
        return runFenced(resource, token, () -> { });
    }

    /**
     * Checks the token, runs {@code write} and advances the mark as one step: no other fenced call
     * for the same resource runs in between, so the write obeys rule 1 (check and effect in one
     * atomic step). The write runs only when the token is accepted; it must be short and must not
     * call this object again. If it throws, the mark stays where it was and the exception
     * propagates.
     *
     * @return the verdict
     */
    public FencingVerdict runFenced(String resource, long token, Runnable write) {
        FencingTokens.requireResource(resource);
        FencingTokens.requireValid(token);
        long[] highest = new long[1];
        boolean[] accepted = new boolean[1];
        marks.compute(resource, (key, mark) -> {
            if (mark != null && token < mark) {
                highest[0] = mark;
                return mark;
            }
            write.run();
            accepted[0] = true;
            highest[0] = token;
            return token;
        });
        return new FencingVerdict(resource, token, accepted[0], highest[0]);
    }

    /** The resource's mark, or empty if no token was accepted for it. */
    public OptionalLong highestToken(String resource) {
        Long mark = marks.get(resource);
        return mark == null ? OptionalLong.empty() : OptionalLong.of(mark);
    }
}
