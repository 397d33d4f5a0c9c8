package io.github.redlock.integration.boot;

import io.github.redlock.integration.RedlockLockRegistry;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** The auto-configured {@link RedlockLockRegistry} ({@code redlock.lock-registry.*}). */
@ConfigurationProperties("redlock.lock-registry")
public class RedlockLockRegistryProperties {

    /**
     * TTL of the registry's locks when a call gives none (lock(), tryLock(), tryLock(time, unit));
     * as Spring Integration's RedisLockRegistry default.
     */
    private Duration ttl = Duration.ofSeconds(60);

    /** How many locks the registry keeps cached at most; unheld least recently used ones are dropped beyond it. */
    private int cacheCapacity = RedlockLockRegistry.DEFAULT_CACHE_CAPACITY;

    public Duration getTtl() {
        return ttl;
    }

    public void setTtl(Duration ttl) {
        this.ttl = ttl;
    }

    public int getCacheCapacity() {
        return cacheCapacity;
    }

    public void setCacheCapacity(int cacheCapacity) {
        this.cacheCapacity = cacheCapacity;
    }
}
