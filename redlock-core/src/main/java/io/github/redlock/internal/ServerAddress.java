package io.github.redlock.internal;

import io.lettuce.core.RedisURI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * What a node needs of one configured server: Lettuce's URI to connect with, the display form
 * without credentials (the only form that may appear in messages, logs and {@code toString()}),
 * the ACL user name, to name it in messages, and the password, to scrub it from driver messages. Built from the public {@code RedisServer},
 * which parses and validates.
 */
public final class ServerAddress {

    private final RedisURI uri;
    private final String display;
    private final @Nullable String username;
    private final @Nullable String password;

    /**
     * @param uri the URI to connect with, credentials included
     * @param display the address without credentials
     * @param username the ACL user the connection authenticates as, or null for {@code default}
     * @param password the password (not encoded), or null
     */
    public ServerAddress(RedisURI uri, String display, @Nullable String username, @Nullable String password) {
        this.uri = uri;
        this.display = display;
        this.username = username == null || username.isEmpty() ? null : username;
        this.password = password == null || password.isEmpty() ? null : password;
    }

    /** An address without a user name: the connection authenticates as {@code default}, if at all. */
    public ServerAddress(RedisURI uri, String display, @Nullable String password) {
        this(uri, display, null, password);
    }

    public RedisURI uri() {
        return uri;
    }

    /**
     * The ACL user the connection authenticates as: the configured user name, or {@code default}
     * (no user name, or no password, when none is sent). Never the password. Kept here because
     * Lettuce 7 no longer exposes the URI's user name (only a credentials provider).
     */
    public String aclUser() {
        return username == null || password == null ? "default" : username;
    }

    /** Removes this server's password, plain or percent-encoded, from a message that may echo it (a driver error). */
    public String scrub(String message) {
        if (password == null) {
            return message;
        }
        String encoded = URLEncoder.encode(password, StandardCharsets.UTF_8);
        return message.replace(password, "****").replace(encoded, "****").replace(encoded.replace("+", "%20"), "****");
    }

    @Override
    public String toString() {
        return display;
    }
}
