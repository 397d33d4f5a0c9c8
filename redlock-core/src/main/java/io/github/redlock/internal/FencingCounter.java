package io.github.redlock.internal;

/**
 * What the fenced scripts need to know of a node's fencing counter.
 *
 * @param key the counter's key (a hash, one per node, outside the lock keys)
 * @param quarantineMillis how long a node that finds its counter missing mints no token; 0 for none
 * @param timeFloor whether a mint is at least the node's time in µs (false only in negative-control tests)
 */
public record FencingCounter(String key, long quarantineMillis, boolean timeFloor) {
}
