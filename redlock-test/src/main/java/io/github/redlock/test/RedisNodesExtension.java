package io.github.redlock.test;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.jspecify.annotations.Nullable;

/**
 * A JUnit 5 extension giving a test class N real, independent {@code redis-server} nodes,
 * optionally each behind its own {@link FaultProxy}.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisNodesExtension redis = RedisNodesExtension.withNodes(5).withProxies();
 *
 * @Test
 * void survivesAMinorityDown() {
 *     redis.node(0).kill();
 *     redis.proxy(1).blackhole();
 *     // ... a client built from redis.proxiedUris() ...
 * }
 * }</pre>
 *
 * <p><b>Static field</b>: the nodes (and proxies) start once before all tests of the class
 * (including its {@code @Nested} classes) and stop after all of them. Before each test they are
 * healed, so tests are independent whatever order they run in: nodes that are down are started
 * again on the same port, paused nodes are resumed, every node gets {@code CLIENT UNPAUSE},
 * {@code FLUSHALL} and {@code SCRIPT FLUSH} (a node that still does not answer is restarted),
 * and every proxy goes back to {@link FaultProxy.Mode#PASS}; a proxy that had a fault or a
 * reset since the previous test also has its connections closed, since they may have lost bytes.
 * Ports, and so URIs, stay the same for the whole class. {@code CONFIG SET} and {@code ACL}
 * changes are not undone.
 *
 * <p><b>Instance field</b>: fresh nodes (and proxies) start before each test and stop after it.
 *
 * <p>The nodes run with {@link RedisNodeOptions#defaults()} unless {@link #withOptions} says
 * otherwise. Starting fails the class (or test) with an {@link IllegalStateException} when no
 * {@code redis-server} binary is found (see {@link RedisServerBinary}) or a node does not start.
 * One extension instance serves one test class at a time: tests of a class must not run
 * concurrently with each other.
 */
public final class RedisNodesExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    private final int count;
    private final RedisNodeOptions options;
    private final boolean proxied;

    private volatile @Nullable RedisNodes nodes;
    private volatile List<FaultProxy> proxies = List.of();
    private volatile @Nullable String classScope;
    private volatile boolean testScope;

    private RedisNodesExtension(int count, RedisNodeOptions options, boolean proxied) {
        if (count < 1) {
            throw new IllegalArgumentException("At least one node is needed, not " + count);
        }
        this.count = count;
        this.options = Objects.requireNonNull(options, "options");
        this.proxied = proxied;
    }

    /**
     * An extension with {@code count} nodes, no proxies, and default options.
     *
     * @throws IllegalArgumentException if {@code count < 1}
     */
    public static RedisNodesExtension withNodes(int count) {
        return new RedisNodesExtension(count, RedisNodeOptions.defaults(), false);
    }

    /** A copy of this extension that also starts one {@link FaultProxy} in front of each node. */
    public RedisNodesExtension withProxies() {
        return new RedisNodesExtension(count, options, true);
    }

    /** A copy of this extension whose nodes start with {@code options} (persistence, password, arguments). */
    public RedisNodesExtension withOptions(RedisNodeOptions options) {
        return new RedisNodesExtension(count, options, proxied);
    }

    /**
     * Called by JUnit for a static field: starts the nodes (and proxies) unless an enclosing class
     * already did.
     *
     * @throws IllegalStateException if no binary is found or a node does not start (everything
     *         already started is then closed)
     */
    @Override
    public void beforeAll(ExtensionContext context) {
        if (nodes == null) {
            startAll();
            classScope = context.getUniqueId();
        }
    }

    /** Called by JUnit for a static field: stops everything, if this class started it. Never throws. */
    @Override
    public void afterAll(ExtensionContext context) {
        if (context.getUniqueId().equals(classScope)) {
            classScope = null;
            stopAll();
        }
    }

    /**
     * Heals the nodes and proxies started for the class (static field), or starts fresh ones for
     * this test (instance field).
     *
     * @throws IllegalStateException if a node cannot be started or brought back
     */
    @Override
    public void beforeEach(ExtensionContext context) {
        if (nodes == null) {
            startAll();
            testScope = true;
        } else if (!testScope) {
            heal();
        }
    }

    /** Stops the nodes and proxies started for this test (instance field). Never throws. */
    @Override
    public void afterEach(ExtensionContext context) {
        if (testScope) {
            testScope = false;
            stopAll();
        }
    }

    /**
     * The nodes.
     *
     * @throws IllegalStateException outside the extension's lifecycle (before the nodes start or
     *         after they stop)
     */
    public RedisNodes nodes() {
        RedisNodes started = nodes;
        if (started == null) {
            throw new IllegalStateException("The Redis nodes are not running: use them from a test, or from "
                    + "@BeforeEach/@AfterEach (from @BeforeAll/@AfterAll only with a static @RegisterExtension field)");
        }
        return started;
    }

    /** Every node's URI ({@code redis://127.0.0.1:<port>}, with the password if any), in order. */
    public List<String> uris() {
        return nodes().uris();
    }

    /**
     * Every proxy's URI, in node order, with the nodes' password if they have one.
     *
     * @throws IllegalStateException if the extension was created without {@link #withProxies()},
     *         or the nodes are not running
     */
    public List<String> proxiedUris() {
        String password = options.passwordOrNull();
        return startedProxies().stream()
                .map(proxy -> RedisUris.of(Loopback.HOST, proxy.port(), password))
                .collect(Collectors.toUnmodifiableList());
    }

    /**
     * The node at {@code index}.
     *
     * @throws IndexOutOfBoundsException if there is no such node
     * @throws IllegalStateException if the nodes are not running
     */
    public RedisNode node(int index) {
        return nodes().node(index);
    }

    /**
     * The proxy in front of the node at {@code index}.
     *
     * @throws IndexOutOfBoundsException if there is no such node
     * @throws IllegalStateException if the extension was created without {@link #withProxies()},
     *         or the nodes are not running
     */
    public FaultProxy proxy(int index) {
        return startedProxies().get(index);
    }

    private List<FaultProxy> startedProxies() {
        if (!proxied) {
            throw new IllegalStateException("This RedisNodesExtension has no proxies: create it with "
                    + "RedisNodesExtension.withNodes(" + count + ").withProxies()");
        }
        nodes();
        return proxies;
    }

    private void startAll() {
        RedisNodes started = RedisNodes.start(count, options);
        List<FaultProxy> startedProxies = new ArrayList<>();
        try {
            if (proxied) {
                for (RedisNode node : started) {
                    startedProxies.add(FaultProxy.start(node.host(), node.port()));
                }
            }
        } catch (RuntimeException | Error e) {
            startedProxies.forEach(FaultProxy::close);
            started.close();
            throw e;
        }
        proxies = List.copyOf(startedProxies);
        nodes = started;
    }

    private void heal() {
        proxies.forEach(FaultProxy::heal);
        nodes().heal();
    }

    private void stopAll() {
        RedisNodes started = nodes;
        List<FaultProxy> startedProxies = proxies;
        nodes = null;
        proxies = List.of();
        startedProxies.forEach(FaultProxy::close);
        if (started != null) {
            started.close();
        }
    }
}
