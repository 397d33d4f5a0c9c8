package io.github.redlock.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A fixed group of independent {@link RedisNode}s (no replication, no cluster: separate Redis
 * masters, as Redlock wants), usable with or without JUnit:
 *
 * <pre>{@code
 * try (RedisNodes nodes = RedisNodes.start(5)) {
 *     List<String> uris = nodes.uris();
 *     nodes.node(2).kill();
 * }
 * }</pre>
 *
 * <p>Nodes keep their order and their ports for the group's whole life. {@link #close()} kills
 * every node and deletes their directories.
 */
public final class RedisNodes implements AutoCloseable, Iterable<RedisNode> {

    private final List<RedisNode> nodes;

    private RedisNodes(List<RedisNode> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /**
     * Starts {@code count} nodes with {@link RedisNodeOptions#defaults()} (no persistence, no
     * password); returns when every one answers {@code PING}.
     *
     * @throws IllegalArgumentException if {@code count < 1}
     * @throws IllegalStateException if no {@code redis-server} binary is found or a node does not
     *         start; nodes already started are then closed
     */
    public static RedisNodes start(int count) {
        return start(count, RedisNodeOptions.defaults());
    }

    /**
     * Starts {@code count} nodes with the given options; returns when every one answers
     * {@code PING}.
     *
     * @throws IllegalArgumentException if {@code count < 1}
     * @throws IllegalStateException if no {@code redis-server} binary is found or a node does not
     *         start; nodes already started are then closed
     */
    public static RedisNodes start(int count, RedisNodeOptions options) {
        if (count < 1) {
            throw new IllegalArgumentException("At least one node is needed, not " + count);
        }
        Objects.requireNonNull(options, "options");
        List<RedisNode> started = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                started.add(RedisNode.start(options));
            }
        } catch (RuntimeException | Error e) {
            started.forEach(RedisNode::close);
            throw e;
        }
        return new RedisNodes(started);
    }

    /** The number of nodes. */
    public int size() {
        return nodes.size();
    }

    /**
     * The node at {@code index}, in start order.
     *
     * @throws IndexOutOfBoundsException if there is no such node
     */
    public RedisNode node(int index) {
        return nodes.get(index);
    }

    /** Every node's {@link RedisNode#uri()}, in order; unmodifiable. */
    public List<String> uris() {
        return nodes.stream().map(RedisNode::uri).collect(Collectors.toUnmodifiableList());
    }

    /** The nodes, in order. */
    public Stream<RedisNode> stream() {
        return nodes.stream();
    }

    /** The nodes, in order; the iterator does not support removal. */
    @Override
    public Iterator<RedisNode> iterator() {
        return nodes.iterator();
    }

    /**
     * {@code GET key} on each node, in node order: the value, or null where the key is missing.
     *
     * @throws RedisReplyException if a node answers with an error
     * @throws java.io.UncheckedIOException if a node does not answer within 2 s
     */
    public List<@Nullable Object> values(String key) {
        List<@Nullable Object> values = new ArrayList<>(nodes.size());
        for (RedisNode node : nodes) {
            values.add(node.command("GET", key));
        }
        return values;
    }

    /**
     * Waits until every node has {@code key}, for at most {@code timeout}, and returns its values
     * ({@link #values}). A lock call returns once a quorum granted it: the last nodes' keys may land
     * a moment later.
     *
     * @throws IllegalStateException if a node still lacks the key when {@code timeout} has passed
     */
    public List<@Nullable Object> awaitOnAll(String key, Duration timeout) {
        List<List<@Nullable Object>> seen = new ArrayList<>(List.of(List.of()));
        Poll.await("'" + key + "' on all " + nodes.size() + " nodes", timeout, () -> {
            seen.set(0, values(key));
            return !seen.get(0).contains(null);
        });
        return seen.get(0); // what the last poll saw: a second read could miss a key that expired meanwhile
    }

    /**
     * Makes every node usable and empty again: starts the ones that are down (same port), resumes
     * paused ones, then runs {@code CLIENT UNPAUSE}, {@code FLUSHALL} and {@code SCRIPT FLUSH} on
     * each. A node that still does not answer, or refuses those commands, is restarted.
     * {@code CONFIG SET} and {@code ACL} changes are not undone (only a restart does that).
     *
     * @throws IllegalStateException if a node cannot be brought back, or the group is closed
     */
    public void heal() {
        nodes.forEach(RedisNode::heal);
    }

    /** Closes every node (kills it and deletes its directory). Idempotent; never throws. */
    @Override
    public void close() {
        nodes.forEach(RedisNode::close);
    }

    @Override
    public String toString() {
        return "RedisNodes" + nodes;
    }
}
