package io.github.redlock;

import io.github.redlock.internal.ServerAddress;
import io.lettuce.core.RedisURI;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One independent Redis master that Redlock locks on: host, port, database index, credentials and
 * whether the connection uses TLS ({@code rediss://}). Immutable; build one with {@link #of(String, int)}
 * and the {@code with...} copies, or read one from a URI with {@link #parse(String)}.
 *
 * <p>The password is never shown: {@link #toString()} and {@link #address()} leave it out, and so
 * does every error message about a server. Two servers are {@link #equals equal} when they connect
 * the same way (TLS flag, host ignoring case, port, database and credentials).
 */
public final class RedisServer {

    /** The port of a URI that names none. */
    public static final int DEFAULT_PORT = 6379;

    private static final String PERCENT_ENCODE = "percent-encode the password (and user name) in the URI:"
            + " '@' as %40, ':' as %3A, '/' as %2F, '?' as %3F, '#' as %23, '%' as %25";

    private final boolean ssl;
    private final String host;
    private final int port;
    private final int database;
    private final @Nullable String username;
    private final @Nullable String password;

    private RedisServer(boolean ssl, String host, int port, int database, @Nullable String username,
            @Nullable String password) {
        this.ssl = ssl;
        this.host = host;
        this.port = port;
        this.database = database;
        this.username = username;
        this.password = password;
    }

    /**
     * A server without TLS, credentials or database index (0).
     *
     * @param host the host name or IP address (IPv6 with or without brackets)
     * @param port the port, 1 to 65535
     * @throws IllegalArgumentException if the host is blank or the port out of range
     */
    public static RedisServer of(String host, int port) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("A Redis server needs a host");
        }
        String bare = withoutBrackets(host.strip());
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("Redis server " + bracketed(bare) + " has an invalid port " + port);
        }
        return new RedisServer(false, bare, port, 0, null, null);
    }

    /**
     * Reads {@code redis://[[user]:password@]host[:port][/database]} or the same with {@code rediss://}
     * (TLS). The port defaults to {@value #DEFAULT_PORT}, the database to 0; IPv6 hosts are written in
     * brackets. User name and password are percent-encoded ({@code @} as {@code %40}, {@code :} as
     * {@code %3A}, {@code /} as {@code %2F}, {@code %} as {@code %25}); user-info without a {@code :} is
     * a password alone, as Lettuce reads it. The only query options taken are {@code database} (or
     * {@code db}) and {@code verifyPeer=FULL}, the default: the certificate and host name of a
     * {@code rediss://} server are always verified (trust a private CA through
     * {@link RedlockOptions.Settings#sslOptions}).
     *
     * @throws IllegalArgumentException saying what is wrong, with the URI shown with its user-info
     *         replaced by {@code ****}
     */
    public static RedisServer parse(@Nullable String uri) {
        return new Parser(uri).parse();
    }

    /** This server with that database index (0 by default). */
    public RedisServer withDatabase(int database) {
        if (database < 0) {
            throw new IllegalArgumentException("Redis database index must be 0 or more, got " + database);
        }
        return new RedisServer(ssl, host, port, database, username, password);
    }

    /**
     * This server with these credentials (plain text, not encoded).
     *
     * @param username the ACL user, or null (or empty) for the default user
     * @param password the password, or null (or empty) for none; without a password no
     *        authentication is sent and the user name is not used
     */
    public RedisServer withCredentials(@Nullable String username, @Nullable String password) {
        return new RedisServer(ssl, host, port, database, emptyToNull(username), emptyToNull(password));
    }

    /** This server over TLS ({@code rediss://}) or not. */
    public RedisServer withSsl(boolean ssl) {
        return new RedisServer(ssl, host, port, database, username, password);
    }

    /** Whether the connection uses TLS ({@code rediss://}); false by default. */
    public boolean ssl() {
        return ssl;
    }

    /** The host, IPv6 addresses without brackets. */
    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The database index; 0 by default. */
    public int database() {
        return database;
    }

    /** The ACL user, or null for the default user. */
    public @Nullable String username() {
        return username;
    }

    /** The password, or null for none. Never log it. */
    public @Nullable String password() {
        return password;
    }

    /**
     * The server's address without credentials, {@code redis[s]://host:port[/database]}: how nodes
     * are named in results, health, metrics and logs.
     */
    public String address() {
        return scheme() + bracketed(host) + ":" + port + (database != 0 ? "/" + database : "");
    }

    /** Host and port, ignoring case: one server, which may count only one vote towards the quorum. */
    String identity() {
        return (bracketed(host) + ":" + port).toLowerCase(Locale.ROOT);
    }

    /** The one conversion to Lettuce's URI, with the display form and secret used to scrub driver messages. */
    ServerAddress toAddress() {
        RedisURI.Builder uri = RedisURI.builder().withHost(host).withPort(port).withDatabase(database).withSsl(ssl);
        if (password != null && username != null) {
            uri.withAuthentication(username, password.toCharArray());
        } else if (password != null) {
            uri.withPassword(password.toCharArray());
        }
        return new ServerAddress(uri.build(), address(), username, password);
    }

    private String scheme() {
        return ssl ? "rediss://" : "redis://";
    }

    private static String bracketed(String host) {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    private static String withoutBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static @Nullable String emptyToNull(@Nullable String text) {
        return text == null || text.isEmpty() ? null : text;
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof RedisServer server && ssl == server.ssl && port == server.port
                && database == server.database && host.equalsIgnoreCase(server.host)
                && Objects.equals(username, server.username) && Objects.equals(password, server.password);
    }

    @Override
    public int hashCode() {
        return Objects.hash(ssl, host.toLowerCase(Locale.ROOT), port, database, username);
    }

    /** The address with the user name, if any; a password shows as {@code ****}. */
    @Override
    public String toString() {
        String credentials = password == null ? "" : (username != null ? username : "") + ":****@";
        return scheme() + credentials + bracketed(host) + ":" + port + (database != 0 ? "/" + database : "");
    }

    /**
     * Replaces the user-info of a URI-like text ({@code user:password@}) with {@code ****@}:
     * everything from the scheme's {@code ://} (or the start, when there is none) to the last
     * {@code @}, so that a password holding {@code /} or {@code @} is hidden too.
     */
    static String mask(String text) {
        int scheme = text.indexOf("://");
        int start = scheme < 0 ? 0 : scheme + 3;
        int at = text.lastIndexOf('@');
        return at < start ? text : text.substring(0, start) + "****@" + text.substring(at + 1);
    }

    /** One reading of one URI; every error shows the URI masked. */
    private static final class Parser {

        private final String text;
        private final String masked;

        Parser(@Nullable String uri) {
            if (uri == null || uri.isBlank()) {
                throw new IllegalArgumentException("must not be blank");
            }
            this.text = uri.strip();
            this.masked = mask(text);
        }

        RedisServer parse() {
            String lower = text.toLowerCase(Locale.ROOT);
            boolean ssl = lower.startsWith("rediss://");
            if (!ssl && !lower.startsWith("redis://")) {
                throw invalid("must start with redis:// or rediss:// (for example redis://127.0.0.1:6379)");
            }
            String rest = text.substring(text.indexOf("://") + 3);
            int queryStart = indexOfAny(rest, "?#");
            String query = queryStart < 0 ? "" : rest.substring(queryStart);
            String main = queryStart < 0 ? rest : rest.substring(0, queryStart);
            if (query.indexOf('@') >= 0) {
                throw invalid("has a raw '?' or '#' in its user-info: " + PERCENT_ENCODE);
            }
            // The last '@' ends the user-info: a raw '@' or '/' in a password must not reach the host.
            int at = main.lastIndexOf('@');
            String userInfo = at < 0 ? null : main.substring(0, at);
            String hostAndPath = main.substring(at + 1);
            int slash = hostAndPath.indexOf('/');
            String authority = slash < 0 ? hostAndPath : hostAndPath.substring(0, slash);
            String path = slash < 0 ? "" : hostAndPath.substring(slash + 1);

            RedisServer server = hostAndPort(authority).withSsl(ssl);
            if (userInfo != null) {
                server = credentials(server, userInfo);
            }
            if (!path.isEmpty()) {
                server = server.withDatabase(database(path));
            }
            return options(server, query);
        }

        private RedisServer hostAndPort(String authority) {
            String host;
            String port = null;
            if (authority.startsWith("[")) {
                int close = authority.indexOf(']');
                if (close < 0) {
                    throw invalid("has an invalid host (an IPv6 address needs its closing ']')");
                }
                host = authority.substring(1, close);
                String after = authority.substring(close + 1);
                if (!after.isEmpty()) {
                    if (!after.startsWith(":")) {
                        throw invalid("is malformed");
                    }
                    port = after.substring(1);
                }
            } else {
                int colon = authority.indexOf(':');
                if (colon >= 0 && authority.indexOf(':', colon + 1) >= 0) {
                    throw invalid("has an invalid host (write an IPv6 address in brackets, for example"
                            + " redis://[::1]:6379)");
                }
                host = colon < 0 ? authority : authority.substring(0, colon);
                port = colon < 0 ? null : authority.substring(colon + 1);
            }
            if (host.isBlank()) {
                throw invalid("has no host");
            }
            if (!host.matches("[A-Za-z0-9._\\-:%]+")) {
                throw invalid("is malformed");
            }
            int number = DEFAULT_PORT;
            if (port != null) {
                if (!port.matches("[0-9]{1,5}")) {
                    throw invalid("has an invalid port");
                }
                number = Integer.parseInt(port);
                if (number < 1 || number > 65535) {
                    throw invalid("has an invalid port");
                }
            }
            return RedisServer.of(host, number);
        }

        /** {@code [user]:password} or {@code password}, percent-decoded. */
        private RedisServer credentials(RedisServer server, String userInfo) {
            int colon = userInfo.indexOf(':');
            if (userInfo.indexOf('@') >= 0 || userInfo.indexOf('/') >= 0
                    || (colon >= 0 && userInfo.indexOf(':', colon + 1) >= 0)) {
                throw invalid("has a raw '@', ':' or '/' in its user-info: " + PERCENT_ENCODE);
            }
            String user = colon < 0 ? null : decode(userInfo.substring(0, colon));
            String password = decode(colon < 0 ? userInfo : userInfo.substring(colon + 1));
            return server.withCredentials(user, password);
        }

        private int database(String path) {
            if (!path.matches("[0-9]{1,9}")) {
                throw invalid("has an invalid database index (the path must be a number, for example /2)");
            }
            return Integer.parseInt(path);
        }

        private RedisServer options(RedisServer server, String query) {
            if (query.isEmpty()) {
                return server;
            }
            if (query.startsWith("#")) {
                throw invalid("is malformed");
            }
            RedisServer result = server;
            for (String option : query.substring(1).split("&", -1)) {
                int equals = option.indexOf('=');
                String name = equals < 0 ? option : option.substring(0, equals);
                String value = equals < 0 ? "" : option.substring(equals + 1);
                if (name.equalsIgnoreCase("database") || name.equalsIgnoreCase("db")) {
                    result = result.withDatabase(database(value));
                } else if (name.equalsIgnoreCase("verifyPeer")) {
                    if (!value.equalsIgnoreCase("FULL")) {
                        throw invalid("sets verifyPeer=" + value + ": Redlock connects only with full verification of"
                                + " the server's certificate and host name (verifyPeer=FULL, the default), so leave"
                                + " the option out. To trust a private CA or a self-signed certificate, give it as a"
                                + " truststore: in Spring Boot with redlock.ssl.bundle (a spring.ssl.bundle.* name), with"
                                + " the core engine through sslOptions (Lettuce SslOptions, for example"
                                + " SslOptions.builder().jdkSslProvider().trustManager(caFile))");
                    }
                } else {
                    throw invalid("has the option '" + name + "', which Redlock does not read: a URI may set only"
                            + " database (or db) and verifyPeer=FULL; timeouts are the engine's timeout and"
                            + " connectTimeout settings");
                }
            }
            return result;
        }

        /** Strict percent-decoding: {@code +} stays a plus, as Lettuce reads user-info. */
        private String decode(String encoded) {
            if (encoded.indexOf('%') < 0) {
                return encoded;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
            int i = 0;
            while (i < encoded.length()) {
                int percent = encoded.indexOf('%', i);
                int end = percent < 0 ? encoded.length() : percent;
                byte[] plain = encoded.substring(i, end).getBytes(StandardCharsets.UTF_8);
                bytes.write(plain, 0, plain.length);
                if (percent < 0) {
                    break;
                }
                int high = percent + 2 < encoded.length() ? Character.digit(encoded.charAt(percent + 1), 16) : -1;
                int low = high < 0 ? -1 : Character.digit(encoded.charAt(percent + 2), 16);
                if (low < 0) {
                    throw invalid("has a '%' in its user-info that starts no %XX escape: " + PERCENT_ENCODE);
                }
                bytes.write(high * 16 + low);
                i = percent + 3;
            }
            return bytes.toString(StandardCharsets.UTF_8);
        }

        private static int indexOfAny(String text, String chars) {
            for (int i = 0; i < text.length(); i++) {
                if (chars.indexOf(text.charAt(i)) >= 0) {
                    return i;
                }
            }
            return -1;
        }

        private IllegalArgumentException invalid(String problem) {
            return new IllegalArgumentException("Redis server URI '" + masked + "' " + problem);
        }
    }
}
