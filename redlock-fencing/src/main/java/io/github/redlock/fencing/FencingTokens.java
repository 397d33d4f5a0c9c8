package io.github.redlock.fencing;

import java.util.Objects;

/** The range of tokens every guard accepts, and the checks of resource names, in one place. */
final class FencingTokens {

    /**
     * The largest token a guard accepts: 2^53 - 1, the largest integer a Lua number (a double) holds
     * exactly, so the Redis guard compares exactly. The core refuses to mint tokens near 2^53.
     */
    static final long MAX = (1L << 53) - 1;

    /** The longest resource name the shipped DDL stores ({@code varchar(255)}). */
    static final int MAX_RESOURCE_LENGTH = 255;

    private FencingTokens() {
    }

    static long requireValid(long token) {
        if (token < 0 || token > MAX) {
            throw new IllegalArgumentException(
                    "A fencing token is between 0 and 2^53-1 (" + MAX + "), not " + token);
        }
        return token;
    }

    static String requireResource(String resource) {
        Objects.requireNonNull(resource, "resource");
        if (resource.isEmpty() || resource.length() > MAX_RESOURCE_LENGTH) {
            throw new IllegalArgumentException("A fenced resource name has 1 to " + MAX_RESOURCE_LENGTH
                    + " characters, not " + resource.length());
        }
        return resource;
    }
}
