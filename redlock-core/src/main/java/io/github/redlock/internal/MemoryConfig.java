package io.github.redlock.internal;

import org.jspecify.annotations.Nullable;

/**
 * A server's memory limit and what it does at the limit.
 *
 * @param maxmemory {@code maxmemory} in bytes: 0 for no limit (nothing is ever evicted), -1 when not known
 * @param policy {@code maxmemory-policy}, such as {@code noeviction} or {@code allkeys-lru}
 */
public record MemoryConfig(long maxmemory, String policy) {

    /** From the texts a server gave, or null without a policy. */
    static @Nullable MemoryConfig of(@Nullable String maxmemory, @Nullable String policy) {
        if (policy == null || policy.isBlank()) {
            return null;
        }
        long limit;
        try {
            limit = maxmemory == null ? -1 : Long.parseLong(maxmemory.trim());
        } catch (NumberFormatException e) {
            limit = -1;
        }
        return new MemoryConfig(limit, policy.trim());
    }

    /** Whether this policy evicts keys (every one but {@code noeviction}). */
    public boolean evicting() {
        return !policy.equalsIgnoreCase("noeviction");
    }
}
