package io.github.redlock.internal;

import io.lettuce.core.RedisURI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * What a node needs of one configured server: Lettuce's URI to connect with, the display form
 * without credentials (the only form that may appear in messages, logs and {@code toString()}),
 * and the password, to scrub it from driver messages. Built from the public {@code RedisServer},
 * which parses and validates.
 */
public final class ServerAddress {

    private final RedisURI uri;
    private final String display;
    private final @Nullable String password;

    /**
     * @param uri the URI to connect with, credentials included
     * @param display the address without credentials
     * @param password the password (not encoded), or null
     */
    public ServerAddress(RedisURI uri, String display, @Nullable String password) {
        this.uri = uri;
        this.display = display;
        this.password = password == null || password.isEmpty() ? null : password;
    }

    public RedisURI uri() {
        return uri;
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
