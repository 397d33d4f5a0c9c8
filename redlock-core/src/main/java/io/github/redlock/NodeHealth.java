package io.github.redlock;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The result of pinging one node.
 *
 * @param node the node's address, with any password removed
 * @param up whether it answered PING within the per-node timeout
 * @param latency round-trip time of the PING, or {@code null} when it did not answer
 * @param error why it did not answer, or {@code null}
 */
public record NodeHealth(String node, boolean up, @Nullable Duration latency, @Nullable String error) {
}
