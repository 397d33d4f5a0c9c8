package io.github.redlock;

import org.jspecify.annotations.Nullable;

/**
 * One node's part in a lock attempt.
 *
 * @param node the node's address, with any password removed
 * @param status what the node did
 * @param detail for {@link NodeStatus#ERROR} and {@link NodeStatus#TIMEOUT}, why; for
 *        {@link NodeStatus#HELD_BY_OTHER}, a key of another type when that was the reason; otherwise {@code null}
 */
public record NodeOutcome(String node, NodeStatus status, @Nullable String detail) {

    @Override
    public String toString() {
        return detail == null ? node + " " + status : node + " " + status + " (" + detail + ")";
    }
}
