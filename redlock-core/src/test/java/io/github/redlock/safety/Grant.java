package io.github.redlock.safety;

/**
 * One lock grant as its holder saw it, all times from one monotonic clock (nanoseconds).
 *
 * @param resource the locked resource
 * @param client who held it
 * @param acquiredNanos when the lock call returned the lease
 * @param validUntilNanos the lease's validity deadline
 * @param releaseInvokedNanos when the holder invoked release ({@code Long.MAX_VALUE} if never)
 */
public record Grant(String resource, String client, long acquiredNanos, long validUntilNanos, long releaseInvokedNanos) {

    /** The holder may claim exclusivity from acquisition until release or the end of validity, whichever is first. */
    public long claimEndNanos() {
        return Math.min(releaseInvokedNanos, validUntilNanos);
    }

    @Override
    public String toString() {
        return client + "@" + resource + "[" + acquiredNanos + ", " + claimEndNanos() + "]";
    }
}
