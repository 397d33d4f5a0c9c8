package io.github.redlock;

/**
 * Fill-in tries since the engine started: after a grant, the engine sets the lease's key on the
 * nodes that refused it or did not answer (see {@link Redlock#fillInCounts()}). All only grow.
 * {@code contended} is normal under competition (a competitor's failed attempt still stands on that
 * node for a moment); {@code failed} means nodes that errored or did not answer, which is worth an
 * alert when it keeps rising.
 *
 * @param created keys created on such nodes, or found already holding the lease's value
 * @param contended tries that found another client's value on the key (or a key of another type)
 * @param failed tries the node answered with an error, or did not answer in time, or that found
 *        it not connected
 */
public record FillInCounts(long created, long contended, long failed) {
}
