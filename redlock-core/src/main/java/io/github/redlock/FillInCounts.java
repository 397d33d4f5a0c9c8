package io.github.redlock;

/**
 * Fill-ins since the engine started: after a grant, the engine sets the lease's key on the nodes
 * that refused it or did not answer (see {@link Redlock#fillInCounts()}).
 *
 * @param attempted keys sent to such nodes (one per node and try)
 * @param succeeded of those, keys created, or found already holding the lease's value
 */
public record FillInCounts(long attempted, long succeeded) {
}
