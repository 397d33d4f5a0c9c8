package io.github.redlock.spring.boot.autoconfigure;

import io.lettuce.core.RedisURI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/**
 * The Redis masters Redlock locks on, with the credentials to reach them, after Spring Boot's
 * connection-details convention. By default built from {@code redlock.servers}. A bean of this type
 * replaces that property: Testcontainers' {@code @ServiceConnection} on Redis containers supplies
 * one per container (see {@code redlock-spring-boot-testcontainers}), as can Docker Compose or the
 * application itself. With several such beans, the engine uses the servers of all of them, in bean
 * order; an odd total (3 or 5) is advised. Every server must be listed once.
 */
public interface RedlockConnectionDetails extends ConnectionDetails {

    /**
     * The servers, in order. Empty means none is configured: then, as with an empty
     * {@code redlock.servers}, Spring Data Redis's single server is used if there is one, and
     * startup fails otherwise.
     */
    List<Server> getServers();

    /** Details listing these servers. */
    static RedlockConnectionDetails of(List<Server> servers) {
        List<Server> copy = List.copyOf(servers);
        return () -> copy;
    }

    /**
     * One independent Redis master: its address, database, credentials and whether it uses SSL.
     * {@link #toString()} never shows the password.
     */
    final class Server {

        private final boolean ssl;
        private final String host;
        private final int port;
        private final int database;
        private final @Nullable String username;
        private final @Nullable String password;
        /** The URI this was parsed from, kept whole (with any query options) for the engine. */
        private final @Nullable String uri;

        private Server(boolean ssl, String host, int port, int database, @Nullable String username,
                @Nullable String password, @Nullable String uri) {
            this.ssl = ssl;
            this.host = host;
            this.port = port;
            this.database = database;
            this.username = username;
            this.password = password;
            this.uri = uri;
        }

        /**
         * A server without SSL, credentials or database index (0).
         *
         * @param host the host name or IP address (IPv6 with or without brackets)
         * @param port the port, 1 to 65535
         * @throws IllegalArgumentException if the host is blank or the port out of range
         */
        public static Server of(String host, int port) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("A Redis server needs a host");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("Redis server " + host + " has an invalid port " + port);
            }
            return new Server(false, withoutBrackets(host), port, 0, null, null, null);
        }

        /**
         * Parses {@code redis://[[user:]password@]host[:port][/db]} or {@code rediss://...}, with
         * percent-encoded credentials, as {@code redlock.servers} takes it; {@link #toUri()} then
         * returns the text unchanged.
         *
         * @throws IllegalArgumentException if the text is no such URI (the message never shows
         *         the password)
         */
        public static Server parse(String uri) {
            String text = uri.trim();
            if (!text.startsWith("redis://") && !text.startsWith("rediss://")) {
                throw new IllegalArgumentException("A Redis server URI must start with redis:// or rediss://");
            }
            RedisURI parsed;
            try {
                parsed = RedisURI.create(text);
            } catch (RuntimeException e) {
                // Lettuce's message may echo the raw URI, password included: do not chain it.
                throw new IllegalArgumentException("Redis server URI is malformed");
            }
            int start = text.indexOf("://") + 3;
            int at = text.indexOf('@', start);
            int slash = text.indexOf('/', start);
            String user = null;
            String secret = null;
            if (at >= 0 && (slash < 0 || at < slash)) {
                String userInfo = text.substring(start, at);
                int colon = userInfo.indexOf(':');
                // As Lettuce reads it: user-info without ':' is a password alone.
                user = colon < 0 ? null : decode(userInfo.substring(0, colon));
                secret = decode(colon < 0 ? userInfo : userInfo.substring(colon + 1));
            }
            return new Server(parsed.isSsl(), withoutBrackets(parsed.getHost()), parsed.getPort(), parsed.getDatabase(),
                    user == null || user.isEmpty() ? null : user, secret == null || secret.isEmpty() ? null : secret,
                    text);
        }

        /** This server with that database index (0 by default). */
        public Server withDatabase(int database) {
            if (database < 0) {
                throw new IllegalArgumentException("Redis database index must be 0 or more, got " + database);
            }
            return new Server(ssl, host, port, database, username, password, null);
        }

        /**
         * This server with these credentials.
         *
         * @param username the ACL user, or null for the default user
         * @param password the password, or null for none
         */
        public Server withCredentials(@Nullable String username, @Nullable String password) {
            return new Server(ssl, host, port, database, username, password, null);
        }

        /** This server over SSL ({@code rediss://}) or not. */
        public Server withSsl(boolean ssl) {
            return new Server(ssl, host, port, database, username, password, null);
        }

        public boolean isSsl() {
            return ssl;
        }

        /** The host, IPv6 addresses without brackets. */
        public String getHost() {
            return host;
        }

        public int getPort() {
            return port;
        }

        public int getDatabase() {
            return database;
        }

        public @Nullable String getUsername() {
            return username;
        }

        public @Nullable String getPassword() {
            return password;
        }

        /**
         * The URI the engine connects with, credentials included (never log it): the parsed text
         * unchanged, or {@code redis[s]://[[user]:password@]host:port[/db]} with percent-encoded
         * credentials.
         */
        public String toUri() {
            if (uri != null) {
                return uri;
            }
            String userInfo = "";
            if (password != null && !password.isEmpty()) {
                // Always "user:password@" or ":password@": Lettuce decodes the user-info before
                // splitting it at the first ':', so a password alone holding ':' would read as a user.
                userInfo = (username != null && !username.isEmpty() ? encode(username) : "") + ":" + encode(password) + "@";
            }
            return scheme() + userInfo + address();
        }

        private String scheme() {
            return ssl ? "rediss://" : "redis://";
        }

        private String address() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port + (database != 0 ? "/" + database : "");
        }

        private static String withoutBrackets(String host) {
            return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        }

        private static String encode(String text) {
            return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
        }

        private static String decode(String text) {
            return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
        }

        @Override
        public boolean equals(@Nullable Object other) {
            return other instanceof Server server && ssl == server.ssl && port == server.port
                    && database == server.database && host.equals(server.host)
                    && Objects.equals(username, server.username) && Objects.equals(password, server.password);
        }

        @Override
        public int hashCode() {
            return Objects.hash(ssl, host, port, database, username);
        }

        /** The address, with the user name if any; the password shows as {@code ****}. */
        @Override
        public String toString() {
            String credentials = username == null && password == null ? ""
                    : (username != null ? username : "") + (password != null ? ":****" : "") + "@";
            return scheme() + credentials + address();
        }
    }
}
