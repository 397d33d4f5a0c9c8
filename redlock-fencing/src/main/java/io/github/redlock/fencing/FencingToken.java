package io.github.redlock.fencing;

/**
 * A fencing token with the resource it fences, as it travels in the {@code Fencing-Token} and
 * {@code Fencing-Resource} headers ({@link FencingHeaders}).
 *
 * @param resource the fenced resource, 1 to 255 characters
 * @param token the lease's fencing token, 0 to 2^53-1
 */
public record FencingToken(String resource, long token) {

    /**
     * The request (servlet) or exchange (WebFlux) attribute under which the server-side checks
     * leave the accepted token, and the Reactor {@code Context} key {@link FencingExchangeFilter#fromContext()} reads.
     */
    public static final String ATTRIBUTE = FencingToken.class.getName();

    /**
     * @throws IllegalArgumentException if the resource is empty or longer than 255 characters, or
     *     the token is outside 0 to 2^53-1
     */
    public FencingToken {
        FencingTokens.requireResource(resource);
        FencingTokens.requireValid(token);
    }
}
