package io.github.redlock;

/**
 * Fill-ins since the engine started: after a grant, the engine sets the lease's key on the nodes
 * that refused it or did not answer (see {@link Redlock#fillInCounts()}). Both only grow.
 *
 * @param created keys created on such nodes, or found already holding the lease's value
 * @param failed tries refused (another value stood there) or unanswered
 */
public record FillInCounts(long created, long failed) {
}
