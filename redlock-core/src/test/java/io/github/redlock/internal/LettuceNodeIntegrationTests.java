package io.github.redlock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.test.RedisNodesExtension;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.channel.DefaultEventLoop;
import io.netty.util.HashedWheelTimer;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One {@link LettuceNode} on a client with {@link NodeClientOptions}, as {@code Redlock} has, against a real
 * redis-server, directly or through a {@code FaultProxy}. Reads the node's and Lettuce's private
 * state by reflection where a test needs to see or hold it.
 */
@Timeout(60)
class LettuceNodeIntegrationTests {

    private static final Duration TIMEOUT = Duration.ofMillis(100);
    private static final Duration RECONNECT_INTERVAL = Duration.ofMillis(200);

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(1).withProxies();

    private ClientResources resources;
    private HashedWheelTimer timer;
    private final List<RedisClient> clients = new ArrayList<>();
    private final List<LettuceNode> nodes = new ArrayList<>();

    @BeforeEach
    void start() {
        resources = DefaultClientResources.create();
        timer = new HashedWheelTimer(10, TimeUnit.MILLISECONDS);
        timer.start();
    }

    @AfterEach
    void stop() {
        nodes.forEach(LettuceNode::close);
        clients.forEach(client -> client.shutdown(0, 2, TimeUnit.SECONDS));
        timer.stop();
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private RedisClient client(int requestQueueSize) {
        RedisClient client = RedisClient.create(resources);
        client.setOptions(NodeClientOptions.builder(requestQueueSize, Duration.ofSeconds(1)).build());
        clients.add(client);
        return client;
    }

    private LettuceNode node(RedisClient client, String uri, Executor flusher) {
        return node(client, uri, flusher, TIMEOUT);
    }

    private LettuceNode node(RedisClient client, String uri, Executor flusher, Duration timeout) {
        LettuceNode node = new LettuceNode(client, new ServerAddress(io.lettuce.core.RedisURI.create(uri), uri, null), timeout, RECONNECT_INTERVAL, Ticker.SYSTEM,
                timer, flusher);
        nodes.add(node);
        return node;
    }

    private LettuceNode connected(RedisClient client, String uri) {
        LettuceNode node = node(client, uri, resources.eventExecutorGroup());
        assertThat(node.connect().join().isOk()).as("connected to " + uri).isTrue();
        return node;
    }

    private LettuceNode connected(RedisClient client, String uri, Duration timeout) {
        LettuceNode node = node(client, uri, resources.eventExecutorGroup(), timeout);
        assertThat(node.connect().join().isOk()).as("connected to " + uri).isTrue();
        return node;
    }

    /** Closes the node's connection through its proxy and waits until the node has seen it closed. */
    private static void closeConnectionOf(LettuceNode node) {
        redis.proxy(0).resetConnections();
        await("the node sees its connection closed").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(2))
                .until(() -> !node.isConnected());
    }

    private static Object field(Object target, Class<?> owner, String name) {
        try {
            Field field = owner.getDeclaredField(name);
            field.setAccessible(true);
            return field.get(target);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("no field " + name + " in " + owner, e);
        }
    }

    private static AtomicBoolean writing(LettuceNode node) {
        return (AtomicBoolean) field(node, LettuceNode.class, "writing");
    }

    /** Review finding 9: a reconnect left the previous connection registered with the client until shutdown. */
    @Test
    void aReconnectClosesThePreviousConnection() {
        RedisClient client = client(1_000);
        LettuceNode node = connected(client, redis.uris().get(0));
        Set<?> closeable = (Set<?>) field(client, AbstractRedisClient.class, "closeableResources");
        int before = closeable.size();

        for (int restart = 0; restart < 3; restart++) {
            redis.node(0).restart();
            await("node back after restart " + (restart + 1)).atMost(Duration.ofSeconds(10))
                    .until(() -> node.ping().join().isOk());
        }

        assertThat(closeable).as("connections the client still holds after 3 reconnects").hasSize(before);
    }

    /** Issue 26 (one server, one vote): the run_id is learned after connecting, and again after a reconnect. */
    @Test
    void aReconnectLearnsTheRestartedServersNewRunId() {
        RedisClient client = client(1_000);
        LettuceNode node = node(client, redis.uris().get(0), resources.eventExecutorGroup());
        java.util.concurrent.atomic.AtomicInteger identified = new java.util.concurrent.atomic.AtomicInteger();
        node.onIdentified(identified::incrementAndGet);
        assertThat(node.connect().join().isOk()).isTrue();
        String before = serverRunId();
        assertThat(node.runId()).as("run_id after connecting").isEqualTo(before);

        redis.node(0).restart();
        String after = serverRunId();
        // The run_id is set before the listener runs: once told twice, the node knows the new one.
        await("identified after the reconnect").atMost(Duration.ofSeconds(10)).until(() -> identified.get() >= 2);

        assertThat(node.runId()).as("run_id after the reconnect").isEqualTo(after).isNotEqualTo(before);
        assertThat(identified.get()).as("identifications: the first connection and the reconnect").isEqualTo(2);
    }

    private static String serverRunId() {
        String id = LettuceNode.runIdIn(String.valueOf(redis.node(0).command("INFO", "server")));
        assertThat(id).as("run_id in INFO server").isNotNull();
        return java.util.Objects.requireNonNull(id);
    }

    /** Review finding 11: a batch larger than the room left in Lettuce's request queue failed whole. */
    @Test
    void aBatchLargerThanTheQueuesRoomIsWrittenInChunks() {
        LettuceNode node = connected(client(10), redis.uris().get(0));
        List<CompletableFuture<NodeReply>> replies = new ArrayList<>();
        AtomicBoolean writing = writing(node);
        assertThat(writing.compareAndSet(false, true)).as("held the writer's flag").isTrue();
        for (int i = 0; i < 11; i++) {
            replies.add(node.acquire("chunks-" + i, "v", 10_000));
        }
        writing.set(false);
        replies.add(node.acquire("chunks-11", "v", 10_000));

        long failed = replies.stream().map(CompletableFuture::join).filter(reply -> !reply.isOk()).count();

        assertThat(failed).as("commands of 12 queued behind a busy writer that failed (queue room 10): "
                + replies.stream().map(CompletableFuture::join).toList()).isLessThanOrEqualTo(2);
    }

    /** Review finding 15: a hand-off the flusher rejected cleared the flag of the writer that held it. */
    @Test
    void aRejectedHandOffLeavesTheWritersFlagAlone() throws Exception {
        Executor rejecting = task -> {
            throw new RejectedExecutionException("shutting down");
        };
        LettuceNode node = node(client(1_000), redis.uris().get(0), rejecting);
        assertThat(node.connect().join().isOk()).isTrue();
        AtomicBoolean writing = writing(node);
        assertThat(writing.compareAndSet(false, true)).as("held the writer's flag").isTrue();
        DefaultEventLoop ioThread = new DefaultEventLoop();
        try {
            NodeReply reply = ioThread.submit(() -> node.acquire("hand-off", "v", 10_000)).get(5, TimeUnit.SECONDS)
                    .get(5, TimeUnit.SECONDS);

            assertThat(reply.status()).as("the command handed off to a flusher that rejected it")
                    .isEqualTo(NodeReply.Status.ERROR);
            assertThat(writing.get()).as("the flag still held by the writer that set it").isTrue();
        } finally {
            writing.set(false);
            ioThread.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** Issue 25: a connection that closed was replaced only when a call found it dead. */
    @Test
    void aClosedConnectionIsReplacedWithoutAnyCall() {
        LettuceNode node = connected(client(1_000), redis.proxiedUris().get(0));
        Object first = field(node, LettuceNode.class, "connection");

        redis.proxy(0).resetConnections();

        await("a new connection, no call made").atMost(Duration.ofSeconds(10)).until(() ->
                field(node, LettuceNode.class, "connection") != first && node.isConnected());
    }

    /** Issue 25: "not connected: not connected yet" hid why a lost node could not be reached again. */
    @Test
    void aLostConnectionReportsTheCauseOfTheFailedReconnect() {
        LettuceNode node = connected(client(1_000), redis.uris().get(0));
        List<String> details = new ArrayList<>();

        redis.node(0).kill();
        try {
            await("a call naming the refused reconnect").atMost(Duration.ofSeconds(10)).until(() -> {
                NodeReply reply = node.acquire("cause", "v", 10_000).join();
                details.add(String.valueOf(reply.detail()));
                return reply.detail() != null && reply.detail().contains("Connection refused");
            });
        } finally {
            redis.node(0).start();
        }

        assertThat(details).as("details of the calls while the node was down")
                .noneMatch(detail -> detail.contains("not connected yet"));
    }

    /**
     * Issue 25 item 3: a release that found the node reconnecting failed at once ("not connected")
     * and left the key until its TTL. It now waits for the reconnection (here 300 ms: the proxy holds
     * the handshake's replies) and is sent on the new connection.
     */
    @Test
    void aReleaseThatFindsTheNodeReconnectingIsSentOnTheNewConnection() throws Exception {
        LettuceNode node = connected(client(1_000), redis.proxiedUris().get(0), Duration.ofSeconds(1));
        redis.node(0).command("SET", "reconnecting", "ours");
        redis.proxy(0).delay(Duration.ofMillis(300));
        closeConnectionOf(node);

        NodeReply reply = node.release("reconnecting", "ours").get(5, TimeUnit.SECONDS);

        assertThat(reply.status()).as("release while the node reconnected: " + reply).isEqualTo(NodeReply.Status.OK);
        assertThat(redis.node(0).command("GET", "reconnecting")).as("the key after the release").isNull();
    }

    /**
     * Issue 25 item 3: a release that waits for a connection that does not come up in time (the
     * proxy accepts but never answers the handshake) ends with its timeout, naming the cause. The
     * timeout is longer than the reconnect interval, so the next attempt is due within it.
     */
    @Test
    void aReleaseWaitingForAConnectionThatDoesNotComeTimesOut() throws Exception {
        LettuceNode node = connected(client(1_000), redis.proxiedUris().get(0), Duration.ofMillis(300));
        redis.proxy(0).blackhole();
        closeConnectionOf(node);

        NodeReply reply = node.release("never-connected", "ours").get(5, TimeUnit.SECONDS);

        assertThat(reply.status()).as("release waiting for a connection that did not come: " + reply)
                .isEqualTo(NodeReply.Status.TIMEOUT);
        assertThat(reply.detail()).as("its detail").startsWith("not connected: ");
    }

    /**
     * Issue 25 item 3: closing the node ends the releases waiting for its connection ("closed");
     * other commands do not wait, they fail at once while the node reconnects.
     */
    @Test
    void closingTheNodeEndsTheReleasesWaitingForItsConnection() throws Exception {
        LettuceNode node = connected(client(1_000), redis.proxiedUris().get(0), Duration.ofSeconds(10));
        redis.proxy(0).blackhole();
        closeConnectionOf(node);

        CompletableFuture<NodeReply> waiting = node.release("closing", "ours");
        CompletableFuture<NodeReply> acquire = node.acquire("closing", "ours", 10_000);
        boolean waitedBeforeClose = !waiting.isDone();
        boolean acquireFailedAtOnce = acquire.isDone();
        node.close();
        NodeReply reply = waiting.get(5, TimeUnit.SECONDS);

        assertThat(waitedBeforeClose).as("the release was waiting for the connection: " + waiting).isTrue();
        assertThat(reply).as("the waiting release after close").isEqualTo(NodeReply.error("closed"));
        assertThat(acquireFailedAtOnce).as("an acquire while reconnecting failed at once: " + acquire).isTrue();
        assertThat(acquire.get(5, TimeUnit.SECONDS).detail()).as("its detail").startsWith("not connected: ");
    }

    /** Issue 25 item 3: releases waiting for a connection are bounded by the request queue's size; the rest fail at once. */
    @Test
    void releasesWaitingForAConnectionAreBoundedByTheRequestQueueSize() throws Exception {
        LettuceNode node = connected(client(8), redis.proxiedUris().get(0), Duration.ofSeconds(10));
        redis.proxy(0).blackhole();
        closeConnectionOf(node);

        List<CompletableFuture<NodeReply>> releases = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            releases.add(node.release("bounded-" + i, "ours"));
        }
        List<NodeReply> failedAtOnce = releases.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join)
                .toList();
        node.close();

        assertThat(failedAtOnce).as("releases of 10 that failed at once, with 4 (half the queue of 8) allowed to wait")
                .hasSize(6)
                .allSatisfy(reply -> assertThat(reply.detail()).contains("already wait for a connection"));
    }

    /**
     * A command queued for one connection and not yet written when that connection closed was
     * written by the next writer on whatever connection it wrote for: a SET NX given up on the old
     * connection could land late on the new one. Each command now goes to its own connection.
     */
    @Test
    void aCommandQueuedForAClosedConnectionIsNotWrittenOnTheNextOne() throws Exception {
        LettuceNode node = connected(client(1_000), redis.proxiedUris().get(0));
        Object first = field(node, LettuceNode.class, "connection");
        AtomicBoolean writing = writing(node);
        assertThat(writing.compareAndSet(false, true)).as("held the writer's flag").isTrue();
        CompletableFuture<NodeReply> acquire;
        try {
            acquire = node.acquire("queued-for-the-old", "ours", 60_000);
            redis.proxy(0).resetConnections();
            await("a new connection").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(2))
                    .until(() -> field(node, LettuceNode.class, "connection") != first && node.isConnected());
        } finally {
            writing.set(false);
        }
        NodeReply ping = node.ping().get(5, TimeUnit.SECONDS);

        assertThat(ping.isOk()).as("a ping on the new connection: " + ping).isTrue();
        assertThat(redis.node(0).command("GET", "queued-for-the-old")).as("the key of the SET queued for the old connection")
                .isNull();
        assertThat(acquire.get(5, TimeUnit.SECONDS).isOk()).as("the acquire queued for the old connection").isFalse();
    }
}
