package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.InvalidRedlockSettingException;
import io.github.redlock.RedisServer;
import io.github.redlock.RedlockOptions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Turns {@link RedlockProperties} into the engine's {@link RedlockOptions}. The core validates every
 * setting; this class only translates its errors into {@code redlock.*} property names.
 */
final class RedlockPropertiesMapper {

    private RedlockPropertiesMapper() {
    }

    /**
     * The engine's options from the properties and the servers to use (from {@code serversProperty},
     * or Spring Data Redis's single server).
     *
     * @throws InvalidRedlockPropertyException naming the property (with a server's index) and what is
     *         wrong; messages show URIs with passwords masked
     */
    static RedlockOptions options(RedlockProperties properties, String serversProperty, List<RedisServer> servers) {
        validateDefaultTtl(properties);
        if (servers.isEmpty()) {
            throw new InvalidRedlockPropertyException(serversProperty, "no Redis servers are configured. List the"
                    + " independent Redis masters, for example redlock.servers=redis://10.0.0.1:6379,"
                    + "redis://10.0.0.2:6379,redis://10.0.0.3:6379");
        }
        try {
            return RedlockOptions.builder()
                    .servers(servers)
                    .retryCount(properties.getRetryCount())
                    .retryDelay(properties.getRetryDelay())
                    .retryJitter(properties.getRetryJitter())
                    .driftFactor(properties.getDriftFactor())
                    .timeout(properties.getTimeout())
                    .connectTimeout(properties.getConnectTimeout())
                    .reconnectInterval(properties.getReconnectInterval())
                    .requestQueueSize(properties.getRequestQueueSize())
                    .keyPrefix(properties.getKeyPrefix())
                    .requireQuorumOnStartup(properties.isRequireQuorumOnStartup())
                    .fencingQuarantine(properties.getFencing().getQuarantine())
                    .build();
        } catch (InvalidRedlockSettingException e) {
            String property = "servers".equals(e.setting()) ? serversProperty
                    : "fencingQuarantine".equals(e.setting()) ? "redlock.fencing.quarantine" : "redlock." + kebabCase(e.setting());
            String indexed = e.serverIndex().isPresent() ? property + "[" + e.serverIndex().getAsInt() + "]" : property;
            throw new InvalidRedlockPropertyException(indexed, e.reason());
        }
    }

    /**
     * Checks the one setting the core does not have: the advice's default TTL, against the floor
     * that {@code redlock.drift-factor} sets (3 ms by default).
     */
    static void validateDefaultTtl(RedlockProperties properties) {
        Duration ttl = properties.getDefaultTtl();
        Duration floor = RedlockOptions.minimumTtl(properties.getDriftFactor());
        if (ttl == null || ttl.compareTo(floor) < 0) {
            throw new InvalidRedlockPropertyException("redlock.default-ttl", "must be at least " + floor.toMillis()
                    + " ms (the clock-drift allowance, 2 ms plus redlock.drift-factor " + properties.getDriftFactor()
                    + " of the TTL, leaves nothing of a shorter one), got " + ttl);
        }
    }

    private static String kebabCase(String camelCase) {
        return camelCase.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}
