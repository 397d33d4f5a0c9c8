package io.github.redlock.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
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
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * {@link ReleaseNotices} over one Lettuce pub/sub connection per node, opened at the first
 * {@link #listen} (an engine whose callers never wait opens none), on a client of its own with
 * Lettuce's auto-reconnect on, which subscribes the channels again after a reconnect. A connection
 * that could not be opened is tried again at a later {@link #listen}, at most once per
 * {@code reconnectInterval}; meanwhile its node's notices are missed and waiters poll.
 */
public final class PubSubNotices implements ReleaseNotices {

    private static final System.Logger LOG = System.getLogger(PubSubNotices.class.getName());

    private final List<ServerAddress> addresses;
    private final Supplier<RedisClient> clients;
    private final long reconnectIntervalNanos;
    private final Ticker ticker;
    // Guarded by this.
    private final Map<String, Runnable> listeners = new HashMap<>();
    private final List<@Nullable StatefulRedisPubSubConnection<String, String>> connections;
    private final boolean[] connecting;
    private final long[] nextConnectNanos;
    private @Nullable RedisClient client;
    private boolean closed;

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
        }, reconnectInterval, ticker);
    }

    /** After a reconnect, releases may have been missed: every listener is told, as for a notice. */
    private final RedisConnectionStateListener reconnects = new RedisConnectionStateListener() {
        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress socketAddress) {
            List<String> channels;
            synchronized (PubSubNotices.this) {
                channels = new ArrayList<>(listeners.keySet());
            }
            channels.forEach(PubSubNotices.this::notice);
        }
    };

    PubSubNotices(List<ServerAddress> addresses, Supplier<RedisClient> clients, Duration reconnectInterval, Ticker ticker) {
        this.addresses = List.copyOf(addresses);
        this.clients = clients;
        this.reconnectIntervalNanos = reconnectInterval.toNanos();
        this.ticker = ticker;
        this.connections = new ArrayList<>(Collections.nCopies(addresses.size(), null));
        this.connecting = new boolean[addresses.size()];
        this.nextConnectNanos = new long[addresses.size()];
    }

    @Override
    public Runnable listen(String channel, Runnable onNotice) {
        List<StatefulRedisPubSubConnection<String, String>> open = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return () -> { };
            }
            boolean added = listeners.put(channel, onNotice) == null;
            for (int i = 0; i < connections.size(); i++) {
                StatefulRedisPubSubConnection<String, String> connection = connections.get(i);
                if (connection != null) {
                    if (added) {
                        open.add(connection);
                    }
                } else {
                    connectIfDue(i);
                }
            }
        }
        for (StatefulRedisPubSubConnection<String, String> connection : open) {
            subscribe(connection, channel);
        }
        return () -> unlisten(channel, onNotice);
    }

    private void unlisten(String channel, Runnable onNotice) {
        List<StatefulRedisPubSubConnection<String, String>> open = new ArrayList<>();
        synchronized (this) {
            if (!listeners.remove(channel, onNotice)) {
                return;
            }
            for (StatefulRedisPubSubConnection<String, String> connection : connections) {
                if (connection != null) {
                    open.add(connection);
                }
            }
        }
        for (StatefulRedisPubSubConnection<String, String> connection : open) {
            try {
                connection.async().unsubscribe(channel);
            } catch (RuntimeException e) { // closing
                LOG.log(Level.DEBUG, "unsubscribe failed", e);
            }
        }
    }

    private void subscribe(StatefulRedisPubSubConnection<String, String> connection, String... channels) {
        try {
            connection.async().subscribe(channels).whenComplete((done, failure) -> {
                if (failure != null) {
                    LOG.log(Level.DEBUG, "subscribe failed: {0}", failure.toString());
                    return;
                }
                for (String channel : channels) {
                    notice(channel); // a release may have happened before the subscription took
                }
            });
        } catch (RuntimeException e) { // closing
            LOG.log(Level.DEBUG, "subscribe failed", e);
        }
    }

    private void notice(String channel) {
        Runnable listener;
        synchronized (this) {
            listener = listeners.get(channel);
        }
        if (listener != null) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a release notice failed", e);
            }
        }
    }

    // Called holding this.
    private void connectIfDue(int node) {
        long now = ticker.nanoTime();
        if (connecting[node] || now - nextConnectNanos[node] < 0) {
            return;
        }
        connecting[node] = true;
        nextConnectNanos[node] = now + reconnectIntervalNanos;
        RedisClient created = client;
        try {
            if (created == null) {
                created = clients.get();
                created.addListener(reconnects);
                client = created;
            }
            created.connectPubSubAsync(StringCodec.UTF8, addresses.get(node).uri())
                    .whenComplete((connection, failure) -> connected(node, connection, failure));
        } catch (RuntimeException e) { // the client is shut down
            connecting[node] = false;
        }
    }

    private void connected(int node, @Nullable StatefulRedisPubSubConnection<String, String> connection,
            @Nullable Throwable failure) {
        if (connection == null || failure != null) {
            synchronized (this) {
                connecting[node] = false;
            }
            LOG.log(Level.DEBUG, "no release notices from {0}: {1}", addresses.get(node), failure);
            return;
        }
        connection.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                notice(channel);
            }
        });
        String[] channels;
        synchronized (this) {
            connecting[node] = false;
            if (closed) {
                connection.closeAsync();
                return;
            }
            connections.set(node, connection);
            channels = listeners.keySet().toArray(String[]::new);
        }
        if (channels.length > 0) {
            subscribe(connection, channels);
        }
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
