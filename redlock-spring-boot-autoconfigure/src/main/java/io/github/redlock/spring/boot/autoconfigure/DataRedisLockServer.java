package io.github.redlock.spring.boot.autoconfigure;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The one Redis server that Spring Data Redis is configured with, as a Redlock URI: used when
 * {@code redlock.servers} is empty. Kept free of Spring Data Redis types so the engine's
 * configuration loads without them, and so that each Spring Boot line's adapter (Boot 4's
 * {@code DataRedisConnectionDetails}, Boot 3.5's {@code RedisConnectionDetails}) can supply it.
 * Not meant for applications: they list their servers in {@code redlock.servers} or define a
 * {@link RedlockConnectionDetails} bean.
 */
public final class DataRedisLockServer {

    private final String uri;
    private final String display;

    private DataRedisLockServer(String uri, String display) {
        this.uri = uri;
        this.display = display;
    }

    /**
     * A standalone server.
     *
     * @param ssl whether the connection uses SSL ({@code rediss://})
     * @param host the host name or IP address (IPv6 without brackets)
     * @param port the port
     * @param database the database index, 0 by default
     * @param username the user name, if any
     * @param password the password, if any (percent-encoded in the URI, never shown)
     */
    public static DataRedisLockServer standalone(boolean ssl, String host, int port, int database,
            @Nullable String username, @Nullable String password) {
        String scheme = ssl ? "rediss://" : "redis://";
        String address = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port
                + (database != 0 ? "/" + database : "");
        return new DataRedisLockServer(scheme + userInfo(username, password) + address, scheme + address);
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

    /** The server's URI (may contain a password: never log it). */
    String uri() {
        return uri;
    }

    /** The server's address without password. */
    String display() {
        return display;
    }

    @Override
    public String toString() {
        return "DataRedisLockServer[" + display + "]";
    }

    private static String userInfo(@Nullable String username, @Nullable String password) {
        if (password == null || password.isEmpty()) {
            return "";
        }
        // Always "user:password@" or ":password@": Lettuce decodes the user-info before splitting it
        // at the first ':', so a password alone would be taken for a user name if it held a ':'.
        return (username != null && !username.isEmpty() ? encode(username) : "") + ":" + encode(password) + "@";
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
