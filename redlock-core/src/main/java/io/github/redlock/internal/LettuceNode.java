package io.github.redlock.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One Redis master over one multiplexed Lettuce connection. Commands are asynchronous and never
 * block a Netty thread. While disconnected, commands fail at once instead of queueing, and the
 * node connects again lazily, at most once per {@code reconnectInterval}. Lettuce's own
 * auto-reconnect is off on purpose: it re-sends in-flight commands after reconnecting, and a
 * {@code SET NX} replayed after its attempt was given up and released would block the resource
 * until its TTL ran out.
 */
public final class LettuceNode implements Node {


    private final RedisClient client;
    private final ServerAddress address;
    private final long timeoutNanos;
    private final Timer timer;
    private final long reconnectIntervalNanos;
    private final Ticker ticker;
    private final AtomicBoolean connecting = new AtomicBoolean();

    private volatile @Nullable StatefulRedisConnection<String, String> connection;
    private volatile @Nullable RedisAsyncCommands<String, String> commands;
    private volatile long nextConnectNanos;
    private volatile String lastConnectError = "not connected yet";
    private volatile boolean closed;

    /**
     * @param timer fires the per-node timeouts; a hashed wheel, so that scheduling and cancelling
     *        one per command wakes no thread (the JDK's {@code orTimeout} wakes its timer thread
     *        whenever its queue was empty, once or twice per lock cycle)
     */
    public LettuceNode(RedisClient client, ServerAddress address, Duration timeout, Duration reconnectInterval,
            Ticker ticker, Timer timer) {
        this.client = client;
        this.address = address;
        this.timeoutNanos = timeout.toNanos();
        this.reconnectIntervalNanos = reconnectInterval.toNanos();
        this.ticker = ticker;
        this.timer = timer;
        this.nextConnectNanos = ticker.nanoTime();
    }

    /**
     * Connects now. The future completes with OK, or with ERROR describing why the node could not
     * be reached (the node then connects again lazily on later use).
     */
    public CompletableFuture<NodeReply> connect() {
        if (!connecting.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(NodeReply.error("connection in progress"));
        }
        nextConnectNanos = ticker.nanoTime() + reconnectIntervalNanos;
        return client.connectAsync(StringCodec.UTF8, address.uri()).toCompletableFuture()
                .handle((connected, failure) -> {
                    connecting.set(false);
                    if (failure != null) {
                        lastConnectError = describe(failure);
                        return NodeReply.error(lastConnectError);
                    }
                    if (closed) {
                        connected.closeAsync();
                        return NodeReply.error("closed");
                    }
                    connection = connected;
                    commands = connected.async();
                    return NodeReply.OK;
                });
    }

    @Override
    public String address() {
        return address.toString();
    }

    @Override
    public CompletableFuture<NodeReply> acquire(String key, String value, long ttlMillis) {
        return call(c -> c.set(key, value, SetArgs.Builder.nx().px(ttlMillis)),
                reply -> "OK".equals(reply) ? NodeReply.OK : NodeReply.REFUSED);
    }

    /**
     * Sent as EVAL, like {@link #acquireOrExtend}: it can create the key, so it must not run late.
     * Answers 1 when it set the key, otherwise the holder's value (works on Redis 6.2 and 7.x).
     */
    @Override
    public CompletableFuture<NodeReply> acquireOrReportHolder(String key, String value, long ttlMillis) {
        String[] keys = {key};
        return call(c -> c.<List<Object>>eval(Scripts.ACQUIRE_OR_REPORT_HOLDER.text(), ScriptOutputType.MULTI, keys,
                value, Long.toString(ttlMillis)), LettuceNode::acquireReply);
    }

    private static NodeReply acquireReply(@Nullable List<Object> reply) {
        if (reply == null || reply.isEmpty()) {
            return NodeReply.error("unexpected reply to the lock script");
        }
        if (Long.valueOf(1).equals(reply.get(0))) {
            return NodeReply.OK;
        }
        return reply.size() > 1 && reply.get(1) instanceof String holder ? NodeReply.refusedBy(holder) : NodeReply.REFUSED;
    }

    /**
     * Sent as EVAL with the script text, never as EVALSHA: it can create the key, so it must not
     * run late. With EVALSHA, a NOSCRIPT answer arriving after the attempt timed out and was
     * released would still trigger the EVAL fallback, which would then create the key again and
     * block the resource until its TTL.
     */
    @Override
    public CompletableFuture<NodeReply> acquireOrExtend(String key, String value, long ttlMillis) {
        return eval(Scripts.ACQUIRE_OR_EXTEND, key, value, Long.toString(ttlMillis));
    }

    @Override
    public CompletableFuture<NodeReply> extend(String key, String value, long ttlMillis) {
        return script(Scripts.EXTEND, key, value, Long.toString(ttlMillis));
    }

    /**
     * Sent as EVAL with the script text, never as EVALSHA: a release must work in a single message.
     * With EVALSHA, a node without the script in its cache (restarted, fresh, SCRIPT FLUSH) answers
     * NOSCRIPT and the EVAL fallback waits for that answer; when answers are lost (a one-way
     * partition) the release would never run and the key would block the lock until its TTL.
     */
    @Override
    public CompletableFuture<NodeReply> release(String key, String value) {
        return eval(Scripts.RELEASE, key, value);
    }

    @Override
    public CompletableFuture<NodeReply> ping() {
        long start = ticker.nanoTime();
        return call(c -> c.ping(), reply -> new NodeReply(NodeReply.Status.OK, null, ticker.nanoTime() - start));
    }

    private CompletableFuture<NodeReply> eval(Scripts.Script script, String key, String... args) {
        String[] keys = {key};
        return call(c -> c.<Object>eval(script.text(), ScriptOutputType.INTEGER, keys, args), LettuceNode::scriptReply);
    }

    /**
     * EVALSHA with the EVAL fallback: only for scripts that change nothing when they run late
     * (extend renews a key only while it holds this value).
     */
    private CompletableFuture<NodeReply> script(Scripts.Script script, String key, String... args) {
        String[] keys = {key};
        return call(c -> evalsha(c, script, keys, args), LettuceNode::scriptReply);
    }

    /** OK when the script acted on the key (it answers 1), REFUSED when the key held another value or none. */
    private static NodeReply scriptReply(@Nullable Object reply) {
        return reply instanceof Long n && n == 1L ? NodeReply.OK : NodeReply.REFUSED;
    }

    /** EVALSHA, falling back to EVAL when the node has lost its script cache (restart, SCRIPT FLUSH). */
    private static CompletionStage<Object> evalsha(RedisAsyncCommands<String, String> c, Scripts.Script script,
            String[] keys, String[] args) {
        return c.<Object>evalsha(script.sha1(), ScriptOutputType.INTEGER, keys, args)
                .exceptionallyCompose(failure -> unwrap(failure) instanceof RedisNoScriptException
                        ? c.<Object>eval(script.text(), ScriptOutputType.INTEGER, keys, args)
                        : CompletableFuture.failedStage(failure));
    }

    private <T> CompletableFuture<NodeReply> call(Function<RedisAsyncCommands<String, String>, CompletionStage<T>> command,
            Function<@Nullable T, NodeReply> onReply) {
        RedisAsyncCommands<String, String> c = commands;
        StatefulRedisConnection<String, String> open = connection;
        if (c == null || open == null || !open.isOpen()) {
            connectIfDue();
            return CompletableFuture.completedFuture(NodeReply.error("not connected: " + lastConnectError));
        }
        CompletableFuture<T> sent;
        try {
            sent = command.apply(c).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(NodeReply.error(describe(e)));
        }
        // A new future: timing out must not complete Lettuce's own command object.
        CompletableFuture<NodeReply> reply = new CompletableFuture<>();
        Timeout timeout = timer.newTimeout(expired -> reply.complete(timedOut()), timeoutNanos, TimeUnit.NANOSECONDS);
        sent.whenComplete((value, failure) -> {
            timeout.cancel();
            try {
                reply.complete(failure == null ? onReply.apply(value) : toReply(failure));
            } catch (RuntimeException e) {
                reply.complete(NodeReply.error(describe(e)));
            }
        });
        return reply;
    }

    private NodeReply timedOut() {
        return NodeReply.timeout("no reply within " + Duration.ofNanos(timeoutNanos).toMillis() + " ms");
    }

    private void connectIfDue() {
        if (!closed && ticker.nanoTime() - nextConnectNanos >= 0) {
            connect();
        }
    }

    private NodeReply toReply(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof TimeoutException) {
            return timedOut();
        }
        return NodeReply.error(describe(cause));
    }

    private String describe(Throwable failure) {
        Throwable cause = unwrap(failure);
        String message = cause.getMessage();
        if (message == null || message.isBlank()) {
            message = cause.getClass().getSimpleName();
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != cause && root.getMessage() != null) {
            message = message + ": " + root.getMessage();
        }
        return address.scrub(message);
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Whether the node currently has an open connection. */
    public boolean isConnected() {
        StatefulRedisConnection<String, String> c = connection;
        return c != null && c.isOpen();
    }

    @Override
    public void close() {
        closed = true;
        StatefulRedisConnection<String, String> c = connection;
        connection = null;
        commands = null;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public String toString() {
        return address.toString();
    }
}
