package io.github.redlock.fencing;

/**
 * What a guard decided about one fenced write.
 *
 * @param resource the fenced resource
 * @param presentedToken the token the write carried
 * @param accepted whether the write was applied (the token was not older than the highest seen)
 * @param highestToken the resource's high-water mark after the decision: the presented token when
 *     accepted, the newer token that made it stale when refused
 */
public record FencingVerdict(String resource, long presentedToken, boolean accepted, long highestToken) {

    /** Whether the write was refused because a newer token had been accepted. */
    public boolean isStale() {
        return !accepted;
    }

    /**
     * Returns normally when accepted.
     *
     * @throws StaleFencingTokenException when the write was refused
     */
    public void requireAccepted() {
        if (!accepted) {
            throw new StaleFencingTokenException(resource, presentedToken, highestToken);
        }
    }
}
