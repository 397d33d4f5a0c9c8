package io.github.redlock.spring.boot3.autoconfigure;

import io.github.redlock.spring.boot.autoconfigure.DataRedisLockServer;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.data.redis.RedisConnectionDetails;
import org.springframework.boot.autoconfigure.data.redis.RedisProperties;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;

/**
 * On Spring Boot 3.5, offers Spring Data Redis's single server (its {@code RedisConnectionDetails},
 * which Boot 4 renamed) for use when {@code redlock.servers} is empty, as the Boot 4
 * auto-configuration does with {@code DataRedisConnectionDetails}. Sentinel and Cluster connections
 * fail startup with a message naming {@code redlock.servers}.
 */
@AutoConfiguration(afterName = "org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration",
        beforeName = "io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration")
@ConditionalOnClass(RedisConnectionDetails.class)
@ConditionalOnBean(RedisConnectionDetails.class)
public final class RedlockBoot3DataRedisAutoConfiguration {

    @Bean
    DataRedisLockServer redlockDataRedisServer(ObjectProvider<RedisConnectionDetails> details,
            ObjectProvider<RedisProperties> properties, ObjectProvider<SslBundles> sslBundles) {
        RedisProperties redisProperties = properties.getIfAvailable();
        return dataRedisServer(details.getObject(), ssl(redisProperties))
                .withSslBundle(sslBundle(redisProperties, sslBundles.getIfAvailable()));
    }

    /** The bundle of {@code spring.data.redis.ssl.bundle}, as Boot 3.5's Lettuce configuration resolves it. */
    static @Nullable SslBundle sslBundle(@Nullable RedisProperties properties, @Nullable SslBundles bundles) {
        String name = properties != null ? properties.getSsl().getBundle() : null;
        return name != null && !name.isBlank() && bundles != null ? bundles.getBundle(name) : null;
    }

    /**
     * Boot 3.5's details do not tell SSL (Boot 4's do): its properties do, as Boot 3.5 reads them
     * ({@code isEnabled()} is already true for a bundle unless {@code ssl.enabled=false} says otherwise).
     */
    static boolean ssl(@Nullable RedisProperties properties) {
        return properties != null && (properties.getSsl().isEnabled()
                || (properties.getUrl() != null && properties.getUrl().startsWith("rediss://")));
    }

    static DataRedisLockServer dataRedisServer(RedisConnectionDetails details, boolean ssl) {
        String mode = details.getSentinel() != null ? "Sentinel" : details.getCluster() != null ? "Cluster" : null;
        RedisConnectionDetails.Standalone standalone = details.getStandalone();
        if (mode != null || standalone == null) {
            throw DataRedisLockServer.unusable(mode != null ? mode : "no standalone server");
        }
        return DataRedisLockServer.standalone(ssl, standalone.getHost(),
                standalone.getPort(), standalone.getDatabase(), details.getUsername(), details.getPassword());
    }
}
