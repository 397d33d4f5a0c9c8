package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.RedisServer;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.ssl.SslBundle;

/**
 * The one Redis server that Spring Data Redis is configured with: used when {@code redlock.servers}
 * is empty. Kept free of Spring Data Redis types so the engine's configuration loads without them,
 * and so that each Spring Boot line's adapter (Boot 4's {@code DataRedisConnectionDetails}, Boot
 * 3.5's {@code RedisConnectionDetails}) can supply it. Not meant for applications: they list their
 * servers in {@code redlock.servers} or define a {@link RedlockConnectionDetails} bean.
 */
public final class DataRedisLockServer {

    private final RedisServer server;
    private final @Nullable SslBundle sslBundle;

    private DataRedisLockServer(RedisServer server, @Nullable SslBundle sslBundle) {
        this.server = server;
        this.sslBundle = sslBundle;
    }

    /**
     * A standalone server.
     *
     * @param ssl whether the connection uses SSL ({@code rediss://})
     * @param host the host name or IP address (IPv6 without brackets)
     * @param port the port
     * @param database the database index, 0 by default
     * @param username the user name, if any
     * @param password the password, if any (never shown)
     * @throws IllegalArgumentException if the host is blank, or the port or database out of range
     */
    public static DataRedisLockServer standalone(boolean ssl, String host, int port, int database,
            @Nullable String username, @Nullable String password) {
        return new DataRedisLockServer(RedisServer.of(host, port).withSsl(ssl).withDatabase(database)
                .withCredentials(username, password), null);
    }

    /**
     * This server verified with Spring Data Redis's SSL bundle ({@code spring.data.redis.ssl.bundle}):
     * Redlock then trusts what Spring Data Redis trusts, unless {@code redlock.ssl.bundle} names
     * another bundle.
     *
     * @param sslBundle the bundle, or null for the JVM's default truststore
     */
    public DataRedisLockServer withSslBundle(@Nullable SslBundle sslBundle) {
        return new DataRedisLockServer(server, sslBundle);
    }

    /**
     * The error for a Spring Data Redis connection that Redlock cannot use.
     *
     * @param mode what the connection uses instead of one standalone server, for example
     *        {@code Sentinel}
     */
    public static InvalidRedlockPropertyException unusable(String mode) {
        return new InvalidRedlockPropertyException(RedlockServersCondition.SERVERS, "is empty, and the Spring Data"
                + " Redis connection uses " + mode + ", which Redlock cannot use as a lock server: Redlock needs"
                + " independent Redis masters. List them in redlock.servers, or set redlock.enabled=false.");
    }

    /** The server (its {@code toString()} masks the password). */
    RedisServer server() {
        return server;
    }

    /** Spring Data Redis's SSL bundle, or null when it names none. */
    @Nullable SslBundle sslBundle() {
        return sslBundle;
    }

    @Override
    public String toString() {
        return "DataRedisLockServer[" + server.address() + "]";
    }
}
