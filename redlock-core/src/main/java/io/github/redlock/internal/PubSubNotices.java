package io.github.redlock.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * {@link ReleaseNotices} over one Lettuce pub/sub connection per node, opened at the first
 * {@link #listen} (an engine whose callers never wait opens none), on a client of its own with
 * Lettuce's auto-reconnect on, which subscribes the channels again after a reconnect.
 *
 * <p>SUBSCRIBE and UNSUBSCRIBE are sent holding this object's monitor (they only queue a write), so
 * each connection carries them in the order the listeners came and went. A connection that could
 * not be opened, and a SUBSCRIBE the node refused or failed, are tried again every
 * {@code reconnectInterval} while anything listens; meanwhile that node's notices are missed and
 * waiters poll. Every node publishes a release, so a listener hears of it once per node, and is told
 * which node and which release (the SHA-1 of the released value): a waiter tells a copy of a
 * release its last attempt saw done from one it did not.
 */
public final class PubSubNotices implements ReleaseNotices {

    private static final System.Logger LOG = System.getLogger(PubSubNotices.class.getName());

    private final List<ServerAddress> addresses;
    private final Supplier<RedisClient> clients;
    private final Scheduler scheduler;
    private final long reconnectIntervalNanos;
    private final Ticker ticker;
    // Guarded by this.
    private final Map<String, Listener> listeners = new HashMap<>();
    private final List<@Nullable StatefulRedisPubSubConnection<String, String>> connections;
    private final boolean[] connecting;
    /** A SUBSCRIBE failed on the node: every channel is subscribed there again at the next retry. */
    private final boolean[] resubscribe;
    private final long[] nextConnectNanos;
    private boolean retryArmed;
    private @Nullable RedisClient client;
    private boolean closed;

    /** A SUBSCRIBE sent to a node, whose outcome is handled once the monitor is released. */
    private record Sent(int node, RedisFuture<Void> reply, String[] channels) {
    }

    /**
     * @param resources the engine's Lettuce resources (event loops, timers), shared, not owned
     * @param options the engine's client options (TLS, timeouts); auto-reconnect is turned on here
     */
    public PubSubNotices(List<ServerAddress> addresses, ClientResources resources, ClientOptions options,
            Duration reconnectInterval, Ticker ticker) {
        this(addresses, () -> {
            RedisClient created = RedisClient.create(resources);
            created.setOptions(options.mutate().autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.DEFAULT).build());
            return created;
        }, (task, delayNanos) -> resources.eventExecutorGroup().schedule(task, delayNanos, TimeUnit.NANOSECONDS),
                reconnectInterval, ticker);
    }

    /** After a reconnect, releases may have been missed: every listener is told, as for a notice. */
    private final RedisConnectionStateListener reconnects = new RedisConnectionStateListener() {
        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress socketAddress) {
            List<String> channels;
            synchronized (PubSubNotices.this) {
                channels = new ArrayList<>(listeners.keySet());
            }
            channels.forEach(channel -> notice(channel, -1, null));
        }
    };

    PubSubNotices(List<ServerAddress> addresses, Supplier<RedisClient> clients, Scheduler scheduler,
            Duration reconnectInterval, Ticker ticker) {
        this.addresses = List.copyOf(addresses);
        this.clients = clients;
        this.scheduler = scheduler;
        this.reconnectIntervalNanos = reconnectInterval.toNanos();
        this.ticker = ticker;
        this.connections = new ArrayList<>(Collections.nCopies(addresses.size(), null));
        this.connecting = new boolean[addresses.size()];
        this.resubscribe = new boolean[addresses.size()];
        this.nextConnectNanos = new long[addresses.size()];
    }

    @Override
    public Runnable listen(String channel, Listener onNotice) {
        Listener listener = onNotice::notice; // its own identity: listening twice gives two handles
        List<Sent> sent = new ArrayList<>();
        List<Integer> connect = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return () -> { };
            }
            boolean added = listeners.put(channel, listener) == null;
            long now = ticker.nanoTime();
            for (int i = 0; i < connections.size(); i++) {
                StatefulRedisPubSubConnection<String, String> connection = connections.get(i);
                if (connection != null) {
                    if (added) {
                        subscribe(i, connection, new String[] {channel}, sent);
                    }
                } else if (!connecting[i] && now - nextConnectNanos[i] >= 0) {
                    connecting[i] = true;
                    nextConnectNanos[i] = now + reconnectIntervalNanos;
                    connect.add(i);
                }
            }
            armRetryIfNeeded();
        }
        subscribed(sent);
        connect(connect);
        return () -> unlisten(channel, listener);
    }

    private void unlisten(String channel, Listener listener) {
        synchronized (this) {
            if (!listeners.remove(channel, listener)) {
                return;
            }
            // In the same monitor as the SUBSCRIBEs: a later listen's SUBSCRIBE cannot overtake it.
            for (StatefulRedisPubSubConnection<String, String> connection : connections) {
                if (connection != null) {
                    try {
                        connection.async().unsubscribe(channel);
                    } catch (RuntimeException e) { // closing
                        LOG.log(Level.DEBUG, "unsubscribe failed", e);
                    }
                }
            }
        }
    }

    /** Sends SUBSCRIBE; called holding this, so that it is written in order with UNSUBSCRIBE. */
    private void subscribe(int node, StatefulRedisPubSubConnection<String, String> connection, String[] channels,
            List<Sent> sent) {
        try {
            sent.add(new Sent(node, connection.async().subscribe(channels), channels));
        } catch (RuntimeException e) { // closing, or the request queue is full
            LOG.log(Level.DEBUG, "subscribe failed", e);
            resubscribe[node] = true;
        }
    }

    /** Handles the SUBSCRIBE replies; called without holding this (a reply may have come already). */
    private void subscribed(List<Sent> sent) {
        for (Sent one : sent) {
            one.reply().whenComplete((done, failure) -> {
                if (failure != null) {
                    LOG.log(Level.DEBUG, "subscribe failed on {0}, tried again in {1} ms: {2}",
                            addresses.get(one.node()), reconnectIntervalNanos / 1_000_000, failure.toString());
                    synchronized (this) {
                        resubscribe[one.node()] = true;
                        armRetryIfNeeded();
                    }
                    return;
                }
                for (String channel : one.channels()) {
                    notice(channel, one.node(), null); // a release may have happened before the subscription took
                }
            });
        }
    }

    private void notice(String channel, int node, Waiting.@Nullable Notice released) {
        Listener listener;
        synchronized (this) {
            listener = listeners.get(channel);
        }
        if (listener != null) {
            try {
                listener.notice(node, released);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a release notice failed", e);
            }
        }
    }

    // Called holding this.
    private void armRetryIfNeeded() {
        if (retryArmed || closed || listeners.isEmpty()) {
            return;
        }
        boolean missing = false;
        for (int i = 0; i < connections.size(); i++) {
            missing |= connections.get(i) == null || resubscribe[i];
        }
        if (!missing) {
            return;
        }
        try {
            scheduler.schedule(this::retry, reconnectIntervalNanos);
            retryArmed = true;
        } catch (RejectedExecutionException e) { // shutting down
            LOG.log(Level.DEBUG, "no retry of the release subscriptions: shutting down");
        }
    }

    /** Every reconnect interval while something listens: opens missing connections, subscribes again where it failed. */
    private void retry() {
        List<Sent> sent = new ArrayList<>();
        List<Integer> connect = new ArrayList<>();
        synchronized (this) {
            retryArmed = false;
            if (closed || listeners.isEmpty()) {
                return;
            }
            String[] channels = listeners.keySet().toArray(String[]::new);
            long now = ticker.nanoTime();
            for (int i = 0; i < connections.size(); i++) {
                StatefulRedisPubSubConnection<String, String> connection = connections.get(i);
                if (connection == null) {
                    if (!connecting[i]) {
                        connecting[i] = true;
                        nextConnectNanos[i] = now + reconnectIntervalNanos;
                        connect.add(i);
                    }
                } else if (resubscribe[i]) {
                    resubscribe[i] = false;
                    subscribe(i, connection, channels, sent);
                }
            }
            armRetryIfNeeded();
        }
        subscribed(sent);
        connect(connect);
    }

    /** Opens the connections to {@code nodes}; called without holding this (the client may resolve names). */
    private void connect(List<Integer> nodes) {
        for (int node : nodes) {
            try {
                client().connectPubSubAsync(StringCodec.UTF8, addresses.get(node).uri())
                        .whenComplete((connection, failure) -> connected(node, connection, failure));
            } catch (RuntimeException e) { // the client is shut down
                connected(node, null, e);
            }
        }
    }

    private synchronized RedisClient client() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        RedisClient created = client;
        if (created == null) {
            created = clients.get();
            created.addListener(reconnects);
            client = created;
        }
        return created;
    }

    private void connected(int node, @Nullable StatefulRedisPubSubConnection<String, String> connection,
            @Nullable Throwable failure) {
        if (connection == null || failure != null) {
            LOG.log(Level.DEBUG, "no release notices from {0}, tried again in {1} ms: {2}", addresses.get(node),
                    reconnectIntervalNanos / 1_000_000, failure);
            synchronized (this) {
                connecting[node] = false;
                armRetryIfNeeded();
            }
            return;
        }
        connection.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                notice(channel, node, Waiting.Notice.parse(message));
            }
        });
        List<Sent> sent = new ArrayList<>();
        synchronized (this) {
            connecting[node] = false;
            if (closed) {
                connection.closeAsync();
                return;
            }
            connections.set(node, connection);
            resubscribe[node] = false;
            if (!listeners.isEmpty()) {
                subscribe(node, connection, listeners.keySet().toArray(String[]::new), sent);
            }
            armRetryIfNeeded();
        }
        subscribed(sent);
    }

    @Override
    public synchronized int channels() {
        return listeners.size();
    }

    @Override
    public void close() {
        List<StatefulRedisPubSubConnection<String, String>> open = new ArrayList<>();
        RedisClient created;
        synchronized (this) {
            closed = true;
            listeners.clear();
            for (int i = 0; i < connections.size(); i++) {
                StatefulRedisPubSubConnection<String, String> connection = connections.get(i);
                if (connection != null) {
                    open.add(connection);
                    connections.set(i, null);
                }
            }
            created = client;
        }
        open.forEach(StatefulRedisPubSubConnection::close);
        if (created != null) {
            created.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
