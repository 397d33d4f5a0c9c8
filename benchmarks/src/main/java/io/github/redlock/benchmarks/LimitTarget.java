package io.github.redlock.benchmarks;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The limit: the Redlock commands issued directly with Lettuce async, every node in parallel, and
 * nothing else. {@code SET key value NX PX ttl} to all nodes, granted as soon as a quorum said OK;
 * then the release script (EVALSHA) to all nodes, waiting for every reply. One multiplexed
 * connection per node and one set of Lettuce resources, as the engine has. No timeouts, no
 * validity arithmetic, no per-node outcome, no SecureRandom value, no lease object.
 */
final class LimitTarget implements LockTarget {

    static final String RELEASE_SCRIPT = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('DEL', KEYS[1])
            end
            return 0""";

    private static final SetArgs NX_PX = SetArgs.Builder.nx().px(Settings.TTL.toMillis());

    private final ClientResources resources;
    private final RedisClient client;
    private final List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
    private final List<RedisAsyncCommands<String, String>> commands = new ArrayList<>();
    private final int quorum;
    private final String releaseSha;

    LimitTarget(List<String> uris) {
        this.resources = DefaultClientResources.create();
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .socketOptions(SocketOptions.builder().connectTimeout(Settings.CONNECT_TIMEOUT).build())
                .build());
        for (String uri : uris) {
            StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8, RedisURI.create(uri));
            connections.add(connection);
            commands.add(connection.async());
        }
        this.quorum = uris.size() / 2 + 1;
        String sha = "";
        for (StatefulRedisConnection<String, String> connection : connections) {
            sha = connection.sync().scriptLoad(RELEASE_SCRIPT);
        }
        this.releaseSha = sha;
    }

    @Override
    public boolean cycle(String key, Runnable section) {
        String value = Long.toHexString(ThreadLocalRandom.current().nextLong());
        int n = commands.size();
        Votes votes = new Votes(n, quorum);
        for (int i = 0; i < n; i++) {
            commands.get(i).set(key, value, NX_PX).whenComplete(votes);
        }
        boolean granted = votes.await();
        if (granted) {
            section.run();
        }
        // Each node's connection is FIFO, so a release sent now is applied after that node's SET.
        String[] keys = {key};
        RedisFuture<?>[] releases = new RedisFuture<?>[n];
        for (int i = 0; i < n; i++) {
            releases[i] = commands.get(i).evalsha(releaseSha, ScriptOutputType.INTEGER, keys, value);
        }
        try {
            for (RedisFuture<?> release : releases) {
                release.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        return granted;
    }

    @Override
    public void close() {
        connections.forEach(StatefulRedisConnection::close);
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    /** Counts SET replies; {@link #await()} returns once a quorum said OK or every node answered. */
    private static final class Votes implements BiConsumer<String, Throwable> {
        private final int nodes;
        private final int quorum;
        private int ok;
        private int answered;

        Votes(int nodes, int quorum) {
            this.nodes = nodes;
            this.quorum = quorum;
        }

        @Override
        public synchronized void accept(String reply, Throwable failure) {
            answered++;
            if (failure == null && "OK".equals(reply)) {
                ok++;
            }
            if (ok >= quorum || answered == nodes) {
                notifyAll();
            }
        }

        synchronized boolean await() {
            while (ok < quorum && answered < nodes) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            return ok >= quorum;
        }
    }
}
