package io.github.redlock.fencing;

/**
 * The HTTP convention for fenced requests.
 *
 * <ul>
 *   <li>{@value #TOKEN}: the lease's fencing token in decimal digits ({@code 0} to
 *       {@code 9007199254740991}, no sign, no spaces);
 *   <li>{@value #RESOURCE}: the fenced resource (1 to 255 characters), so that one service can
 *       fence several resources and tokens of different locks are never compared.
 * </ul>
 *
 * <p>A server that checks them ({@link FencingHandlerInterceptor}, {@link FencingWebFilter})
 * answers a request with an unsafe method (not GET, HEAD, OPTIONS or TRACE):
 * <ul>
 *   <li>{@code 428 Precondition Required} when either header is missing (RFC 6585: the server
 *       requires the request to be conditional);
 *   <li>{@code 400 Bad Request} when either header is malformed;
 *   <li>{@code 409 Conflict} when the token is older than the highest the server has accepted for
 *       the resource (not {@code 412}, which RFC 9110 ties to its own conditional headers);
 * </ul>
 * each with an {@code application/problem+json} body; the stale one carries {@code resource},
 * {@code token} and {@code highestToken}.
 */
public final class FencingHeaders {

    /** The header carrying the fencing token. */
    public static final String TOKEN = "Fencing-Token";

    /** The header carrying the fenced resource. */
    public static final String RESOURCE = "Fencing-Resource";

    private FencingHeaders() {
    }
}
