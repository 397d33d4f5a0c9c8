package io.github.redlock.internal;

import io.lettuce.core.RedisURI;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One configured Redis server: its parsed URI and a display form with any password removed.
 * Only the display form may appear in messages, logs and {@code toString()}.
 */
public final class ServerAddress {

    private final RedisURI uri;
    private final String display;
    private final @Nullable String secret;

    private ServerAddress(RedisURI uri, String display, @Nullable String secret) {
        this.uri = uri;
        this.display = display;
        this.secret = secret;
    }

    /**
     * Parses a {@code redis://[user:password@]host:port[/db]} or {@code rediss://} URI.
     *
     * @throws IllegalArgumentException naming the (masked) URI and what is wrong with it
     */
    public static ServerAddress parse(@Nullable String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("must not be blank");
        }
        String trimmed = text.strip();
        String masked = mask(trimmed);
        String lower = trimmed.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("redis://") && !lower.startsWith("rediss://")) {
            throw new IllegalArgumentException("Redis server URI '" + masked
                    + "' must start with redis:// or rediss:// (for example redis://127.0.0.1:6379)");
        }
        String port = explicitPort(trimmed);
        if (port != null && !port.matches("[0-9]{1,5}")) {
            throw new IllegalArgumentException("Redis server URI '" + masked + "' has an invalid port");
        }
        RedisURI uri;
        try {
            uri = RedisURI.create(trimmed);
        } catch (RuntimeException e) {
            // Lettuce's message may echo the raw URI, password included: do not chain it.
            throw new IllegalArgumentException("Redis server URI '" + masked + "' is malformed");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw new IllegalArgumentException("Redis server URI '" + masked + "' has no host");
        }
        if (uri.getPort() < 1 || uri.getPort() > 65535) {
            throw new IllegalArgumentException("Redis server URI '" + masked + "' has an invalid port");
        }
        String secret = password(trimmed);
        String display = (uri.isSsl() ? "rediss://" : "redis://") + hostPort(uri)
                + (uri.getDatabase() != 0 ? "/" + uri.getDatabase() : "");
        return new ServerAddress(uri, display, secret);
    }

    /**
     * The server's identity for duplicate checks: host and port, case-insensitive. Two URIs with the
     * same identity are one server, which must not count two votes towards the quorum.
     */
    public String identity() {
        return hostPort(uri).toLowerCase(Locale.ROOT);
    }

    /** The text after the host's colon, or null when the URI gives no port. */
    private static @Nullable String explicitPort(String uri) {
        int start = uri.indexOf("://") + 3;
        int end = start;
        while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
            end++;
        }
        String authority = uri.substring(start, end);
        String hostPort = authority.substring(authority.lastIndexOf('@') + 1);
        int colon = hostPort.lastIndexOf(':');
        return colon < 0 || colon < hostPort.lastIndexOf(']') ? null : hostPort.substring(colon + 1);
    }

    /** The password in {@code redis://[user:]password@host}, or null. */
    private static @Nullable String password(String uri) {
        int start = uri.indexOf("://") + 3;
        int at = uri.indexOf('@', start);
        int slash = uri.indexOf('/', start);
        if (at < 0 || (slash >= 0 && slash < at)) {
            return null;
        }
        String userInfo = uri.substring(start, at);
        String password = userInfo.substring(userInfo.indexOf(':') + 1);
        return password.isEmpty() ? null : password;
    }

    /**
     * Replaces the user-info part of a URI-like string ({@code user:password@}) with {@code ****@}:
     * everything from the scheme's {@code ://} (or the start, when there is no scheme) to the last
     * {@code @}, so that passwords containing {@code /} or {@code @} (base64 tokens) are hidden too.
     */
    public static String mask(String text) {
        int scheme = text.indexOf("://");
        int start = scheme < 0 ? 0 : scheme + 3;
        int at = text.lastIndexOf('@');
        return at < start ? text : text.substring(0, start) + "****@" + text.substring(at + 1);
    }

    private static String hostPort(RedisURI uri) {
        String host = uri.getHost();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + uri.getPort();
    }

    public RedisURI uri() {
        return uri;
    }

    /** Removes this server's password from a message that may echo it (for example a driver error). */
    public String scrub(String message) {
        if (secret == null) {
            return message;
        }
        String decoded = java.net.URLDecoder.decode(secret, java.nio.charset.StandardCharsets.UTF_8);
        return message.replace(secret, "****").replace(decoded, "****");
    }

    @Override
    public String toString() {
        return display;
    }
}
