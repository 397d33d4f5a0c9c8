package io.github.redlock.test;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** Builds {@code redis://} URIs as Redis clients (Lettuce, Redisson, Jedis) parse them. */
final class RedisUris {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private RedisUris() {
    }

    /**
     * {@code redis://host:port}, or {@code redis://:password@host:port} when a password is given;
     * the password is percent-encoded (everything but RFC 3986 unreserved characters).
     */
    static String of(String host, int port, @Nullable String password) {
        StringBuilder uri = new StringBuilder("redis://");
        if (password != null) {
            uri.append(':').append(percentEncode(password)).append('@');
        }
        return uri.append(host).append(':').append(port).toString();
    }

    static String percentEncode(String text) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if (isUnreserved(c)) {
                encoded.append(c);
            } else {
                encoded.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
            }
        }
        return encoded.toString();
    }

    private static boolean isUnreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
