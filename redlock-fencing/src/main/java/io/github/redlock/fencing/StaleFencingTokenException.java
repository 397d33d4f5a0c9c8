package io.github.redlock.fencing;

/**
 * A guard refused a write because its fencing token is older than the highest token the store has
 * already accepted for the resource: a newer lease has written since, so this holder's lock has
 * passed on.
 *
 * <p>An unchecked exception, so a Spring {@code @Transactional} method that lets it escape rolls
 * back by default; with a plain {@link java.sql.Connection} the caller rolls back itself. The
 * write must not be retried with the same token: take the lock again for a new one.
 */
public class StaleFencingTokenException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String resource;
    private final long presentedToken;
    private final long highestToken;

    /**
     * @param resource the fenced resource
     * @param presentedToken the token the write carried
     * @param highestToken the highest token the store had accepted for the resource
     */
    public StaleFencingTokenException(String resource, long presentedToken, long highestToken) {
        super("Stale fencing token for resource '" + shortened(resource) + "': presented " + presentedToken
                + ", but the store has already accepted " + highestToken);
        this.resource = resource;
        this.presentedToken = presentedToken;
        this.highestToken = highestToken;
    }

    /** The fenced resource. */
    public String resource() {
        return resource;
    }

    /** The token the refused write carried. */
    public long presentedToken() {
        return presentedToken;
    }

    /** The highest token the store had accepted for the resource when it refused the write. */
    public long highestToken() {
        return highestToken;
    }

    private static String shortened(String resource) {
        return resource.length() <= 200 ? resource : resource.substring(0, 200) + "...";
    }
}
