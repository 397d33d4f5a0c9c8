package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.Redlock;
import io.github.redlock.RedlockOptions;
import java.time.Duration;
import java.util.List;

/**
 * Validates {@link RedlockProperties} with messages that name the property, and applies them to a
 * {@link Redlock.Builder}.
 */
final class RedlockPropertiesMapper {

    private RedlockPropertiesMapper() {
    }

    /** Checks every setting except the servers. */
    static void validate(RedlockProperties properties) {
        if (properties.getRetryCount() < 0) {
            throw new InvalidRedlockPropertyException("redlock.retry-count",
                    "must be 0 or more, got " + properties.getRetryCount());
        }
        notNegative("redlock.retry-delay", properties.getRetryDelay());
        notNegative("redlock.retry-jitter", properties.getRetryJitter());
        double drift = properties.getDriftFactor();
        if (!(drift >= 0 && drift < 1)) {
            throw new InvalidRedlockPropertyException("redlock.drift-factor", "must be at least 0 and below 1, got " + drift);
        }
        positive("redlock.timeout", properties.getTimeout());
        positive("redlock.connect-timeout", properties.getConnectTimeout());
        positive("redlock.reconnect-interval", properties.getReconnectInterval());
        validateDefaultTtl(properties);
        if (properties.getKeyPrefix() == null) {
            throw new InvalidRedlockPropertyException("redlock.key-prefix", "must not be null");
        }
    }

    /** Checks the setting the advice uses. */
    static void validateDefaultTtl(RedlockProperties properties) {
        positive("redlock.default-ttl", properties.getDefaultTtl());
        if (properties.getDefaultTtl().toMillis() < 1) {
            throw new InvalidRedlockPropertyException("redlock.default-ttl",
                    "must be at least 1 ms, got " + properties.getDefaultTtl());
        }
    }

    /**
     * Checks each server URI on its own (so the message names its index), then the list as a whole
     * (duplicates). Messages show URIs with passwords masked.
     *
     * @param property the property the servers came from, for messages
     */
    static void validateServers(String property, List<String> servers) {
        if (servers.isEmpty()) {
            throw new InvalidRedlockPropertyException(property, "no Redis servers are configured. List the independent"
                    + " Redis masters, for example redlock.servers=redis://10.0.0.1:6379,redis://10.0.0.2:6379,"
                    + "redis://10.0.0.3:6379");
        }
        for (int i = 0; i < servers.size(); i++) {
            String server = servers.get(i);
            if (server == null || server.isBlank()) {
                throw new InvalidRedlockPropertyException(property + "[" + i + "]", "must not be blank");
            }
            try {
                RedlockOptions.builder().servers(server).build();
            } catch (IllegalArgumentException e) {
                throw new InvalidRedlockPropertyException(property + "[" + i + "]", e.getMessage());
            }
        }
        for (int i = 1; i < servers.size(); i++) {
            try {
                RedlockOptions.builder().servers(servers.subList(0, i + 1)).build();
            } catch (IllegalArgumentException e) {
                throw new InvalidRedlockPropertyException(property + "[" + i + "]", e.getMessage());
            }
        }
    }

    /** A builder with every property applied (validate first). */
    static Redlock.Builder builder(RedlockProperties properties, List<String> servers) {
        return Redlock.builder()
                .servers(servers)
                .retryCount(properties.getRetryCount())
                .retryDelay(properties.getRetryDelay())
                .retryJitter(properties.getRetryJitter())
                .driftFactor(properties.getDriftFactor())
                .timeout(properties.getTimeout())
                .connectTimeout(properties.getConnectTimeout())
                .reconnectInterval(properties.getReconnectInterval())
                .keyPrefix(properties.getKeyPrefix())
                .requireQuorumOnStartup(properties.isRequireQuorumOnStartup());
    }

    private static void notNegative(String property, Duration value) {
        if (value == null || value.isNegative()) {
            throw new InvalidRedlockPropertyException(property, "must be zero or positive, got " + value);
        }
    }

    private static void positive(String property, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new InvalidRedlockPropertyException(property, "must be positive, got " + value);
        }
    }
}
