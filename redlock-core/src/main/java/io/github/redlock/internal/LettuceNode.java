package io.github.redlock.internal;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.RedisCommand;
import io.netty.channel.EventLoop;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import io.netty.util.internal.ThreadExecutorMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One Redis master over one multiplexed Lettuce connection (configured by {@link NodeClientOptions}).
 * Commands are asynchronous and never block a Netty thread. While disconnected, commands fail at
 * once instead of queueing, with the cause of the last failed connection attempt, except cleanups
 * (releases, leaving a waiter queue), which wait for the connection being set up, within their
 * timeout, and are sent on it first (see {@link #awaitConnection}). The node connects
 * again on its own as soon as its connection closes, and keeps trying while it cannot, at most once
 * per {@code reconnectInterval}; a call that finds it disconnected tries too, within the same bound.
 * A connection on which {@value #SILENT_TIMEOUTS_BEFORE_REPLACING} commands in a row got no reply
 * while its I/O thread kept up with its reads, and that has been silent for at least 5 s (and 3
 * node timeouts), is taken for dead (a host gone without a reset, a NAT that forgot it) and
 * replaced the same way; until the new connection is up it stays open for releases only, since the
 * commands written on it may have landed with only their replies lost. Each connection attempt, handshake included,
 * is bounded by the client's connect timeout plus {@link #HANDSHAKE_GRACE}. The previous connection
 * is always closed, never left registered with the client. Lettuce's own auto-reconnect is off on
 * purpose: it re-sends in-flight commands after reconnecting, and a {@code SET NX} replayed after
 * its attempt was given up and released would block the resource until its TTL ran out. Here a new
 * connection starts empty, and commands in flight on the old one fail.
 */
public final class LettuceNode implements Node {

    private static final System.Logger LOG = System.getLogger(LettuceNode.class.getName());

    /** How long past the timeout a command may wait to be written before its call times out all the same. */
    private static final long UNWRITTEN_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** How many batches a caller writes for others before handing the rest to the flusher. */
    private static final int INLINE_WRITE_ROUNDS = 4;

    /** Long enough ago to count as never. */
    private static final long NEVER_NANOS = TimeUnit.DAYS.toNanos(1);

    /** An I/O thread that runs a posted probe within this is keeping up with its reads. */
    private static final long CONFIRM_LAG_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /** Commands in a row that may time out on a responsive connection before it is taken for dead. */
    static final int SILENT_TIMEOUTS_BEFORE_REPLACING = 3;

    /**
     * And the least time the connection must have been silent for (at least 3 node timeouts), so
     * that a server that stalls for a few seconds (a fork, a slow script, a short pause) keeps its
     * connection, and its commands time out as they did.
     */
    private static final long MIN_SILENCE_BEFORE_REPLACING_NANOS = TimeUnit.SECONDS.toNanos(5);

    /**
     * Added to the connect timeout to bound a whole connection attempt, handshake included; longer
     * than the wait of {@code Redlock}'s start-up, which reports a node it did not hear from in time.
     */
    static final Duration HANDSHAKE_GRACE = Duration.ofSeconds(2);

    /** The most commands one write carries: at most this many fail together when the request queue is full. */
    private static final int MAX_WRITE_CHUNK = 512;

    private final RedisClient client;
    private final ServerAddress address;
    private final RedisURI connectUri;
    private final int writeChunk;
    private final long timeoutNanos;
    private final long silenceBeforeReplacingNanos;
    private final Timer timer;
    private final long reconnectIntervalNanos;
    private final Ticker ticker;
    private final AtomicBoolean connecting = new AtomicBoolean();
    private final Queue<SentCommand<?>> unsent = new ConcurrentLinkedQueue<>();
    /** Cleanups waiting for the next connection, in the order they came (see {@link #awaitConnection}); guarded by this. */
    private final Set<AwaitingConnection> awaiting = new LinkedHashSet<>();
    /** The most cleanups that may wait for a connection: the client's request queue size. */
    private final int maxAwaiting;
    private final AtomicBoolean writing = new AtomicBoolean();
    private final AtomicBoolean probing = new AtomicBoolean();
    private final AtomicBoolean reconnectScheduled = new AtomicBoolean();
    private final AtomicInteger silentTimeouts = new AtomicInteger();
    private final Executor flusher;
    private final RedisConnectionStateListener disconnects = new RedisConnectionStateListener() {
        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> closedConnection) {
            StatefulRedisConnection<String, String> current = connection;
            if (current != null && closedConnection == current) {
                lost(current, "connection lost", false);
            }
            synchronized (LettuceNode.this) {
                if (closedConnection == retired) {
                    retired = null;
                }
            }
        }
    };

    private volatile @Nullable StatefulRedisConnection<String, String> connection;
    /**
     * The last connection taken for dead by its silence ({@link #silentTimeout}), kept open for
     * cleanups only until a new connection is installed: commands written on it may have landed with
     * their replies lost (a network that drops replies only), and their cleanup must follow them on
     * the same connection, in order, not be dropped because no other connection is up (issue 23).
     * Null when none.
     */
    private volatile @Nullable StatefulRedisConnection<String, String> retired;
    private volatile long lastReplyNanos;
    private volatile long connectedAtNanos;
    private volatile long responsiveAtNanos;
    private volatile long nextConnectNanos;
    private volatile String lastConnectError = "connecting";
    private volatile boolean closed;
    private volatile @Nullable String runId;
    private final List<Runnable> onIdentified = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile @Nullable String excluded;
    private final Reachability reachability;
    /** How long a node whose ACL refused the waiter queue is asked without one before the queue is tried again. */
    static final long QUEUE_RETRY_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** When the server's ACL refused the waiter queue last (see {@link #acquireQueued}), if it did. */
    private volatile @Nullable Long queueRefusedAtNanos;
    /** See {@link #handOvers}. */
    private volatile boolean handsOver = true;
    private volatile boolean queueRefusalLogged;

    /**
     * @param client a client with {@link NodeClientOptions} (its request queue size and connect
     *        timeout are read here)
     * @param timer fires the per-node timeouts and reconnections; a hashed wheel, so that scheduling
     *        and cancelling one per command wakes no thread (the JDK's {@code orTimeout} wakes its
     *        timer thread whenever its queue was empty, once or twice per lock cycle)
     */
    public LettuceNode(RedisClient client, ServerAddress address, Duration timeout, Duration reconnectInterval,
            Ticker ticker, Timer timer, Executor flusher) {
        this.flusher = flusher;
        this.client = client;
        this.address = address;
        this.reachability = new Reachability(address.toString(), ticker);
        this.timeoutNanos = timeout.toNanos();
        this.silenceBeforeReplacingNanos = Math.max(MIN_SILENCE_BEFORE_REPLACING_NANOS,
                SILENT_TIMEOUTS_BEFORE_REPLACING * timeoutNanos);
        this.reconnectIntervalNanos = reconnectInterval.toNanos();
        this.ticker = ticker;
        this.timer = timer;
        this.nextConnectNanos = ticker.nanoTime();
        this.lastReplyNanos = nextConnectNanos - NEVER_NANOS;
        this.responsiveAtNanos = nextConnectNanos - NEVER_NANOS;
        // Lettuce bounds the handshake (and the whole attempt) by the URI's timeout, 60 s by default.
        Duration attemptBound = client.getOptions().getSocketOptions().getConnectTimeout().plus(HANDSHAKE_GRACE);
        RedisURI uri = address.uri();
        this.connectUri = RedisURI.builder(uri)
                .withTimeout(uri.getTimeout().compareTo(attemptBound) < 0 ? uri.getTimeout() : attemptBound).build();
        this.writeChunk = Math.min(MAX_WRITE_CHUNK, Math.max(1, client.getOptions().getRequestQueueSize() / 4));
        // Half the request queue: the parked cleanups go out together on a new connection that also
        // carries SCRIPT LOAD, INFO and the calls right after it, and Lettuce refuses a batch whole.
        this.maxAwaiting = Math.max(1, client.getOptions().getRequestQueueSize() / 2);
        client.addListener(disconnects);
    }

    /**
     * Connects now. The future completes with OK once connected and the server's {@link #runId()}
     * was asked for (bounded by the node's timeout), or with ERROR describing why the node could not
     * be reached (the node then tries again on its own, once per {@code reconnectInterval}).
     */
    public CompletableFuture<NodeReply> connect() {
        if (closed) {
            return CompletableFuture.completedFuture(NodeReply.error("closed"));
        }
        if (!connecting.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(NodeReply.error("connection in progress"));
        }
        nextConnectNanos = ticker.nanoTime() + reconnectIntervalNanos;
        CompletableFuture<StatefulRedisConnection<String, String>> attempt;
        try {
            attempt = client.connectAsync(StringCodec.UTF8, connectUri).toCompletableFuture();
        } catch (RuntimeException e) { // the client is shut down
            lastConnectError = describe(e);
            connecting.set(false);
            return CompletableFuture.completedFuture(NodeReply.error(lastConnectError));
        }
        return attempt.handle((connected, failure) -> {
            try {
                if (failure != null) {
                    lastConnectError = describe(failure);
                    if (!closed) {
                        reachability.connectFailed(lastConnectError);
                    }
                    scheduleReconnect();
                    return CompletableFuture.completedFuture(NodeReply.error(lastConnectError));
                }
                if (closed) {
                    connected.closeAsync();
                    return CompletableFuture.completedFuture(NodeReply.error("closed"));
                }
                // Loaded now, so the first renewals after a (re)connect need no NOSCRIPT round trip.
                connected.async().scriptLoad(Scripts.EXTEND.text());
                if (!install(connected)) {
                    return CompletableFuture.completedFuture(NodeReply.error("closed"));
                }
                return identify(connected);
            } finally {
                connecting.set(false);
            }
        }).thenCompose(reply -> reply);
    }

    /**
     * Learns the server's {@code run_id} from {@code INFO server} on a new connection, within the
     * node's timeout, then completes OK (the node is connected whatever INFO answers). A server that
     * refuses INFO (an ACL without it), or does not answer in time, is unknown: null.
     */
    private CompletableFuture<NodeReply> identify(StatefulRedisConnection<String, String> connected) {
        CompletableFuture<NodeReply> identified = new CompletableFuture<>();
        AtomicBoolean settled = new AtomicBoolean();
        java.util.function.Consumer<@Nullable String> settle = id -> {
            if (settled.compareAndSet(false, true)) {
                runId = id;
                try {
                    for (Runnable listener : onIdentified) {
                        try {
                            listener.run();
                        } catch (RuntimeException e) {
                            LOG.log(System.Logger.Level.WARNING, "a listener of " + address + " failed", e);
                        }
                    }
                } finally {
                    identified.complete(NodeReply.OK);
                }
            }
        };
        Timeout bound;
        try {
            bound = timer.newTimeout(expired -> settle.accept(null), timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) { // the timer is stopped: the engine is closing
            settle.accept(null);
            return identified;
        }
        try {
            connected.async().info("server").whenComplete((info, failure) -> {
                bound.cancel();
                settle.accept(failure == null ? runIdIn(info) : null);
            });
        } catch (RuntimeException e) {
            bound.cancel();
            settle.accept(null);
        }
        return identified;
    }

    /**
     * The server's {@code maxmemory} and {@code maxmemory-policy}: from the {@code maxmemory} and
     * {@code maxmemory_policy} fields of {@code INFO memory} ({@code +info} is in the recommended
     * ACL), or, only when that is refused, from {@code CONFIG GET maxmemory*} (one pattern, which
     * Redis 6 accepts too), so that a user without {@code +config} adds no refusal to the server's
     * {@code ACL LOG} on each connection; null when neither answers within twice the node's timeout
     * or the node is not connected.
     */
    public CompletableFuture<@Nullable MemoryConfig> memoryConfig() {
        StatefulRedisConnection<String, String> open = connection;
        CompletableFuture<@Nullable MemoryConfig> result = new CompletableFuture<>();
        if (open == null || closed) {
            result.complete(null);
            return result;
        }
        try {
            Timeout bound = timer.newTimeout(expired -> result.complete(null), 2 * timeoutNanos, TimeUnit.NANOSECONDS);
            result.whenComplete((value, failure) -> bound.cancel());
            open.async().info("memory").whenComplete((info, refused) -> {
                MemoryConfig read = refused == null
                        ? MemoryConfig.of(field(info, "maxmemory:"), field(info, "maxmemory_policy:")) : null;
                if (read != null) {
                    result.complete(read);
                    return;
                }
                open.async().configGet("maxmemory*").whenComplete((config, failure) -> result.complete(
                        failure == null && config != null
                                ? MemoryConfig.of(config.get("maxmemory"), config.get("maxmemory-policy")) : null));
            });
        } catch (RuntimeException e) { // the timer is stopped or the connection closed: the engine is closing
            result.complete(null);
        }
        return result;
    }

    /**
     * Asks the server, in one read-only script, which of {@code commands} (each a command and its
     * arguments, keys and channels included) the connection's ACL user may not run, with
     * {@code redis.acl_check_cmd} (Redis 7 on). Needs no permission beyond {@code EVAL}; runs nothing
     * of what it checks. Completes with the indexes of the refused commands, or with why it could
     * not tell: NOPERM for {@code EVAL} itself, an older Redis, no answer within twice the node's
     * timeout, or the node not connected.
     */
    public CompletableFuture<AclCheck> refusedCommands(List<List<String>> commands) {
        StatefulRedisConnection<String, String> open = connection;
        CompletableFuture<AclCheck> result = new CompletableFuture<>();
        if (open == null || closed) {
            result.complete(AclCheck.unknown("not connected"));
            return result;
        }
        List<String> args = new ArrayList<>();
        for (List<String> command : commands) {
            args.add(Integer.toString(command.size()));
            args.addAll(command);
        }
        try {
            Timeout bound = timer.newTimeout(expired -> result.complete(AclCheck.unknown("no reply")), 2 * timeoutNanos,
                    TimeUnit.NANOSECONDS);
            result.whenComplete((value, failure) -> bound.cancel());
            open.async().<List<Object>>eval(Scripts.ACL_CHECK.text(), io.lettuce.core.ScriptOutputType.MULTI,
                    new String[0], args.toArray(String[]::new)).whenComplete((reply, failure) -> {
                        if (failure != null) {
                            result.complete(AclCheck.unknown(describe(failure)));
                            return;
                        }
                        List<Integer> refused = new ArrayList<>();
                        for (Object index : reply == null ? List.of() : reply) {
                            if (index instanceof Long one && one >= 1 && one <= commands.size()) {
                                refused.add(one.intValue() - 1);
                            }
                        }
                        result.complete(AclCheck.answered(refused));
                    });
        } catch (RuntimeException e) { // the timer is stopped or the connection closed: the engine is closing
            result.complete(AclCheck.unknown(describe(e)));
        }
        return result;
    }

    /** The ACL user this node connects as: the configured user name, or {@code default}. Never the password. */
    public String aclUser() {
        return address.aclUser();
    }

    /** Whether the node was taken out for good ({@link #exclude}). */
    public boolean isExcluded() {
        return excluded != null;
    }

    /** The value of an {@code INFO} reply's line starting with {@code prefix}, or null. */
    private static @Nullable String field(@Nullable String info, String prefix) {
        if (info == null) {
            return null;
        }
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length()).trim();
            }
        }
        return null;
    }

    /** The value of the {@code run_id:} line of an {@code INFO} reply, or null. */
    static @Nullable String runIdIn(@Nullable String info) {
        if (info == null) {
            return null;
        }
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("run_id:")) {
                String id = line.substring("run_id:".length()).trim();
                // Empty or all zeros: a proxy or a Redis-compatible server without a real one; never an alias.
                return id.isEmpty() || id.chars().allMatch(c -> c == '0') ? null : id;
            }
        }
        return null;
    }

    /**
     * The server's {@code run_id}, learned after the last connection; null while unknown (not yet
     * connected, or INFO refused by an ACL or unanswered). It changes when the server restarts.
     */
    public @Nullable String runId() {
        return runId;
    }

    /**
     * Runs {@code listener} each time the node has learned its server's run_id after a connection
     * (null included), after the listeners added before it; on an I/O or timer thread: it must not block.
     */
    public void onIdentified(Runnable listener) {
        onIdentified.add(listener);
    }

    /**
     * Takes the node out for good: every command fails at once with {@code why} (an ERROR, so it
     * never counts towards a quorum), and its connection is closed and not replaced.
     */
    public void exclude(String why) {
        excluded = why;
        close();
    }

    /**
     * Makes {@code connected} the node's connection and closes the one it replaces, if any; or, when
     * the node was closed (or excluded) meanwhile, closes {@code connected} and returns false.
     */
    private boolean install(StatefulRedisConnection<String, String> connected) {
        StatefulRedisConnection<String, String> previous;
        StatefulRedisConnection<String, String> wasRetired;
        List<Runnable> relays = new ArrayList<>();
        synchronized (this) {
            if (closed) { // close() sets the flag before it takes this lock: it saw no connection to close
                connected.closeAsync();
                return false;
            }
            previous = connection;
            wasRetired = retired;
            retired = null; // cleanups take the new connection from now on
            connectedAtNanos = ticker.nanoTime();
            if (connected.isOpen()) {
                // Queued before the connection is published: ahead of every command sent on it after.
                for (AwaitingConnection waiter : awaiting) {
                    if (waiter.take()) {
                        relays.add(waiter.sendOn(connected));
                    }
                }
                awaiting.clear();
            }
            connection = connected;
            silentTimeouts.set(0);
        }
        relays.forEach(Runnable::run); // out of the lock: a reply may complete the caller's stages at once
        reachability.connected();
        if (previous != null && previous != connected) {
            previous.closeAsync();
        }
        if (wasRetired != null && wasRetired != connected) {
            wasRetired.closeAsync(); // what was written on it is sent before it closes
        }
        if (!connected.isOpen()) { // closed before it was installed: its disconnect was ignored
            lost(connected, "connection lost", false);
        }
        return true;
    }

    /**
     * Retires {@code open} if it is still the node's connection and schedules a new one. {@code why}
     * is what calls report meanwhile. It is closed (commands in flight on it fail, none is re-sent),
     * or, with {@code keepForCleanups} (a connection taken for dead by its silence, which may still
     * carry commands to the server), kept open for cleanups only until a new connection is installed
     * (see {@link #retired}).
     */
    private void lost(StatefulRedisConnection<String, String> open, String why, boolean keepForCleanups) {
        StatefulRedisConnection<String, String> dropped = null;
        boolean kept = keepForCleanups && !closed;
        synchronized (this) {
            if (connection != open) {
                return;
            }
            connection = null;
            if (kept) {
                dropped = retired;
                retired = open;
            }
        }
        lastConnectError = why;
        if (!closed) {
            reachability.lost(why);
        }
        if (!kept) {
            open.closeAsync();
        }
        if (dropped != null && dropped != open) {
            dropped.closeAsync();
        }
        scheduleReconnect();
    }

    /** Connects again once {@code reconnectInterval} has passed since the last attempt, unless closed or connected. */
    private void scheduleReconnect() {
        if (closed || !reconnectScheduled.compareAndSet(false, true)) {
            return;
        }
        long delay = Math.max(0, nextConnectNanos - ticker.nanoTime());
        try {
            timer.newTimeout(due -> {
                reconnectScheduled.set(false);
                if (!closed && !isConnected()) {
                    connect();
                }
            }, delay, TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) { // the timer is stopped: the engine is closing
            reconnectScheduled.set(false);
        }
    }

    @Override
    public String address() {
        return address.toString();
    }

    /**
     * {@code SET NX PX}, one command. A server at {@code maxmemory} with {@code noeviction} refuses it
     * with OOM even when the key exists: then, and only then, the key is read ({@code GET}, which
     * changes nothing, so it may run late), and a key held by any value is REFUSED (contended, as
     * without OOM) while a free key stays the OOM error (it cannot be created). The uncontended path
     * stays one plain {@code SET}; a script reading first would cost every lock an EVAL.
     */
    @Override
    public CompletableFuture<NodeReply> acquire(String key, String value, long ttlMillis) {
        return call(send -> send.apply(SentCommand.setNx(ticker, key, value, ttlMillis))
                .exceptionallyCompose(failure -> {
                    if (!outOfMemory(failure)) {
                        return CompletableFuture.failedStage(failure);
                    }
                    // The OOM reply shows the node answering: the call's timeout counts silence from
                    // here, so the GET has a whole timeout and a slow one is no silent connection.
                    lastReplyNanos = ticker.nanoTime();
                    return send.apply(SentCommand.get(ticker, key)).thenCompose(holder -> holder != null
                            ? CompletableFuture.<@Nullable String>completedFuture(null)
                            : CompletableFuture.<@Nullable String>failedFuture(failure));
                }),
                reply -> "OK".equals(reply) ? NodeReply.OK : NodeReply.REFUSED);
    }

    /** Redis's refusal of a write at {@code maxmemory} with {@code noeviction}: "OOM command not allowed ...". */
    private static boolean outOfMemory(Throwable failure) {
        Throwable cause = unwrap(failure);
        return cause instanceof RedisCommandExecutionException && String.valueOf(cause.getMessage()).startsWith("OOM");
    }

    /**
     * Sent as EVAL, like {@link #acquireOrExtend}: it can create the key, so it must not run late.
     * Answers 1 when it set the key, otherwise the holder's value (works on Redis 6.2 and 7.x).
     */
    @Override
    public CompletableFuture<NodeReply> acquireOrReportHolder(String key, String value, long ttlMillis) {
        return call(send -> send.apply(SentCommand.evalList(ticker, Scripts.ACQUIRE_OR_REPORT_HOLDER.text(), key, value,
                Long.toString(ttlMillis))), LettuceNode::acquireReply);
    }

    /**
     * Sent as EVAL, like {@link #acquireOrReportHolder}: it can create the key. Where the ACL refuses
     * the queue key (as for {@link #acquireQueued}), a plain fill-in try instead, without queue for a while.
     */
    @Override
    public CompletableFuture<NodeReply> fillIn(String key, String value, long ttlMillis) {
        if (queueRefusedLately()) {
            return acquireOrReportHolder(key, value, ttlMillis);
        }
        return call(send -> send.apply(SentCommand.evalList2(ticker, Scripts.FILL_IN_RESERVING.text(), key,
                Waiting.queueKey(key), value, Long.toString(ttlMillis))), LettuceNode::acquireReply)
                .thenApply(reply -> {
                    // Not resent here, outside the lease's monitor (it may have ended meanwhile): the next try is plain.
                    refusedQueue(reply);
                    return reply;
                });
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
        return call(send -> send.apply(SentCommand.eval(ticker, Scripts.ACQUIRE_OR_EXTEND.text(), key, value,
                Long.toString(ttlMillis))), (@Nullable Long reply) -> reply == null || reply == 0L ? NodeReply.REFUSED
                        : reply == 2L ? NodeReply.heldAlready(value) : NodeReply.OK);
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
        return cleanup(Scripts.RELEASE, key, value);
    }

    /** Sent as EVAL with the script text: it can create the key, so it must not run late (see {@link #acquireOrExtend}). */
    @Override
    public CompletableFuture<NodeReply> acquireFenced(String key, String value, long ttlMillis, FencingCounter counter,
            boolean extend) {
        return fenced(call(send -> send.apply(SentCommand.evalList2(ticker, Scripts.FENCED_ACQUIRE.text(), key, counter.key(),
                value, Long.toString(ttlMillis), Long.toString(counter.quarantineMillis()), extend ? "1" : "0",
                flag(counter.timeFloor()))), (@Nullable List<Object> reply) -> mintReply(reply, value)), counter);
    }

    /** {1, token} created, {2, token} renewed a key holding the value, {0, holder} held. */
    static NodeReply mintReply(@Nullable List<Object> reply, String value) {
        if (reply == null || reply.isEmpty() || !(reply.get(0) instanceof Long answer)) {
            return NodeReply.error("unexpected reply to the fenced lock script");
        }
        if (answer == 0L) {
            return reply.size() > 1 && reply.get(1) instanceof String holder ? NodeReply.refusedBy(holder) : NodeReply.REFUSED;
        }
        if (reply.size() < 2 || !(reply.get(1) instanceof Long token) || token < 1 || token > Scripts.MAX_TOKEN) {
            return NodeReply.error("unexpected token in the reply to the fenced lock script");
        }
        return answer == 2L ? NodeReply.mintedHeldAlready(value, token) : NodeReply.minted(token);
    }

    /** Sent as EVAL: raising the counter late is harmless, but one message keeps phase 2 at one round trip on any node. */
    @Override
    public CompletableFuture<NodeReply> writeBack(String key, String value, long token, FencingCounter counter) {
        return fenced(call(send -> send.apply(SentCommand.eval2(ticker, Scripts.FENCED_WRITE_BACK.text(), key, counter.key(),
                value, Long.toString(token), flag(counter.timeFloor()))),
                LettuceNode::scriptReply), counter);
    }

    /** Sent as EVAL with the script text: it can create the key (see {@link #acquireOrExtend}). */
    @Override
    public CompletableFuture<NodeReply> renewFenced(String key, String value, long ttlMillis, long token,
            FencingCounter counter) {
        return fenced(call(send -> send.apply(SentCommand.eval2(ticker, Scripts.FENCED_RENEW.text(), key, counter.key(),
                value, Long.toString(ttlMillis), Long.toString(token), flag(counter.timeFloor()))), (@Nullable Long reply) -> reply == null || reply == 0L ? NodeReply.REFUSED
                        : reply == 2L ? NodeReply.heldAlready(value) : NodeReply.OK), counter);
    }

    /** Sent as EVAL with the script text: it can create the key (see {@link #acquireOrExtend}). */
    @Override
    public CompletableFuture<NodeReply> fillInFenced(String key, String value, long ttlMillis, long token,
            FencingCounter counter) {
        return fenced(call(send -> send.apply(SentCommand.evalList2(ticker, Scripts.FENCED_FILL_IN.text(), key, counter.key(),
                value, Long.toString(ttlMillis), Long.toString(token), flag(counter.timeFloor()))), LettuceNode::acquireReply), counter);
    }

    private static String flag(boolean on) {
        return on ? "1" : "0";
    }

    /** Says what an error of a fenced script means for fencing, and how to fix it. */
    private static CompletableFuture<NodeReply> fenced(CompletableFuture<NodeReply> reply, FencingCounter counter) {
        return reply.thenApply(answer -> answer.status() == NodeReply.Status.ERROR
                ? answer.withDetail(fencingHint(answer.detail(), counter.key())) : answer);
    }

    /** The error of a fenced script, said for fencing: a missing ACL permission or Redis version names the fix. */
    static String fencingHint(@Nullable String detail, String counterKey) {
        String error = detail != null ? detail : "no detail";
        if (error.contains("can't run this command") || error.contains("no permissions to run")) {
            return "NOPERM: fencing needs the Redis user to run TIME, GET, SET, PEXPIRE, HGET, HMGET and HSET in"
                    + " scripts: grant the missing ones, for example ACL SETUSER <user> +time +hget +hmget +hset ("
                    + error + ")";
        }
        if (error.contains("no permissions to access")) {
            int suffix = counterKey.lastIndexOf('#');
            String prefix = suffix >= 0 ? counterKey.substring(0, suffix) : counterKey;
            return "NOPERM: fencing needs the Redis user to access the fencing counter key '" + counterKey
                    + "' as well as the lock keys: a key pattern of the key prefix, ~" + prefix
                    + "*, covers both (" + error + ")";
        }
        if (error.contains("non deterministic") || error.contains("unknown command")) {
            return "fencing needs Redis 5 or later (its scripts read the server's TIME, then write): " + error;
        }
        int own = error.indexOf("FENCING ");
        return own >= 0 ? "fencing: " + error.substring(own + "FENCING ".length()) : error;
    }

    /**
     * As {@link #release}, sent as EVAL for the same reason; hands the key over to the waiter at the
     * head of its queue, if it takes hand-overs, and publishes on the key's release channel.
     */
    @Override
    public CompletableFuture<NodeReply> releaseAndNotify(String key, String value) {
        return cleanup(Scripts.RELEASE_AND_NOTIFY, key, value, Waiting.channel(key), handsOver ? Waiting.queueKey(key) : "");
    }

    /**
     * Whether this node's releases look for a waiter to hand the key over to: true until the check
     * after a connection (Redis 7) finds that the ACL refuses the commands on the waiter queue the
     * release needs ({@code PTTL}, {@code ZRANGE}, {@code ZREM}, {@code TIME}), or a waiting attempt
     * is refused the queue; then releases leave the queue alone (a refusal in a script is logged in
     * the server's {@code ACL LOG} on every release). True again after the next check that finds
     * them allowed, or the next waiting attempt whose queue commands ran.
     */
    public void handOvers(boolean allowed) {
        handsOver = allowed;
    }

    /**
     * Sent as EVAL, like {@link #acquireOrReportHolder}: it can create the key, so it must not run
     * late. A server whose ACL refuses the queue's commands or key (NOPERM) is asked as
     * {@link #acquireOrReportHolder} (as {@link #acquireOrExtend} for a waiter that takes
     * hand-overs), without a queue, for the next {@link #QUEUE_RETRY_NANOS} (then
     * the queue is tried again, in case the ACL changed), and says so once as a WARN.
     */
    @Override
    public CompletableFuture<NodeReply> acquireQueued(String key, String value, long ttlMillis, long sinceMillis,
            long waitedMillis, long freshForMillis, long attempt, Placed place) {
        if (queueRefusedLately()) {
            // A waiter that takes hand-overs may have been handed the key by an entry written before the
            // refusal: extend-or-create renews it (its value is its own) and answers OK.
            return attempt > 0 ? acquireOrExtend(key, value, ttlMillis) : acquireOrReportHolder(key, value, ttlMillis);
        }
        return queued(key, value, ttlMillis, sinceMillis, waitedMillis, freshForMillis, attempt, place).thenApply(reply -> {
            if (!refusedQueue(reply) && reply.status() != NodeReply.Status.ERROR) {
                handsOver = true; // the queue's commands ran: the ACL allows them now
            }
            return reply;
        });
    }

    /** Whether the ACL refused the waiter queue within the last {@code QUEUE_RETRY_NANOS}: the plain commands go instead. */
    private boolean queueRefusedLately() {
        Long refusedAt = queueRefusedAtNanos;
        return refusedAt != null && ticker.nanoTime() - refusedAt < QUEUE_RETRY_NANOS;
    }

    /**
     * After an ACL refusal of a script that uses the waiter queue: the node is used without its queue
     * for a while, and its releases leave the queue alone ({@link #handOvers}). Answers whether it was one.
     */
    private boolean refusedQueue(NodeReply reply) {
        String detail = reply.detail();
        if (reply.status() == NodeReply.Status.ERROR && detail != null && refusedByAcl(detail)) {
            queueRefusedAtNanos = ticker.nanoTime();
            handsOver = false;
            LOG.log(queueRefusalLogged ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
                    "{0} refuses the waiter queue ({1}): waiting calls poll this node without a queue; allow the"
                    + " sorted-set commands, PTTL, PEXPIRE and TIME on the lock keys (see docs/waiting.md)",
                    address, detail);
            queueRefusalLogged = true;
            return true;
        }
        return false;
    }

    /** An ACL refusal: NOPERM (Redis 7.2 on), or 7.0's words for a command or key a script may not use. */
    static boolean refusedByAcl(String detail) {
        return detail.contains("NOPERM") || detail.contains("user executing the script can't");
    }

    private CompletableFuture<NodeReply> queued(String key, String value, long ttlMillis, long sinceMillis,
            long waitedMillis, long freshForMillis, long attempt, Placed place) {
        return call(send -> send.apply(SentCommand.evalList2(ticker, Scripts.ACQUIRE_QUEUED.text(), key,
                Waiting.queueKey(key), value, Long.toString(ttlMillis), sinceMillis < 0 ? "" : Long.toString(sinceMillis),
                Long.toString(Math.max(0, waitedMillis)), Long.toString(freshForMillis),
                attempt > 0 ? Long.toString(attempt) : "")), reply -> {
                    if (reply != null && reply.size() > 2 && reply.get(2) instanceof String since) {
                        try {
                            place.placed(Long.parseLong(since), reply.size() > 3 && reply.get(3) instanceof String ahead ? ahead : null);
                        } catch (NumberFormatException e) {
                            // not a place: the reply is still an answer
                        }
                    }
                    return acquireReply(reply);
                });
    }

    /** Sent as EVAL, like {@link #release}: a cleanup must work in a single message. */
    @Override
    public CompletableFuture<NodeReply> leaveQueue(String key, String value, boolean gaveUp, boolean giveBack) {
        // Also after an ACL refusal: the script may have added the entry before the command it was refused.
        return cleanup(Scripts.LEAVE_QUEUE, Waiting.queueKey(key), value, gaveUp ? Waiting.channel(key) : "",
                giveBack ? key : "");
    }

    @Override
    public CompletableFuture<NodeReply> ping() {
        return call(send -> send.apply(SentCommand.ping(ticker)), (reply, command) -> new NodeReply(NodeReply.Status.OK,
                null, ticker.nanoTime() - command.writtenAtNanos()));
    }

    /**
     * A cleanup (a script that deletes only this caller's own value), sent as EVAL: on the node's
     * connection, or, while it has none, on the connection last taken for dead by its silence (see
     * {@link #retired}), where the commands it cleans up after may have landed with their replies lost.
     */
    private CompletableFuture<NodeReply> cleanup(Scripts.Script script, String key, String... args) {
        return call(send -> send.apply(SentCommand.eval(ticker, script.text(), key, args)),
                (@Nullable Long reply, SentCommand<?> first) -> scriptReply(reply), true);
    }

    /**
     * EVALSHA with the EVAL fallback: only for scripts that change nothing when they run late
     * (extend renews a key only while it holds this value).
     */
    private CompletableFuture<NodeReply> script(Scripts.Script script, String key, String... args) {
        return call(send -> send.apply(SentCommand.evalsha(ticker, script.sha1(), key, args))
                .exceptionallyCompose(failure -> unwrap(failure) instanceof RedisNoScriptException
                        ? send.apply(SentCommand.eval(ticker, script.text(), key, args))
                        : CompletableFuture.failedStage(failure)), LettuceNode::scriptReply);
    }

    /** OK when the script acted on the key (it answers 1), REFUSED when the key held another value or none. */
    private static NodeReply scriptReply(@Nullable Long reply) {
        return reply != null && reply == 1L ? NodeReply.OK : NodeReply.REFUSED;
    }

    /** Sends one command of a call on the connection the call started with. */
    private interface Sender {
        <T> CompletableFuture<T> apply(SentCommand<T> command);
    }

    private <T> CompletableFuture<NodeReply> call(Function<Sender, CompletableFuture<T>> command,
            Function<@Nullable T, NodeReply> onReply) {
        return call(command, (reply, first) -> onReply.apply(reply), false);
    }

    private <T> CompletableFuture<NodeReply> call(Function<Sender, CompletableFuture<T>> command,
            BiFunction<@Nullable T, SentCommand<?>, NodeReply> onReply) {
        return call(command, onReply, false);
    }

    /**
     * Sends a command (or two, for a script fallback) and completes with the mapped reply, or with
     * TIMEOUT when the node stays silent: no reply to this command nor any other on the connection
     * within the timeout after the command was written. Replies on one connection come in order, so
     * while earlier replies keep arriving the node is answering and this command is only queued.
     * A {@code cleanup} goes on the {@link #retired} connection while there is no other, and
     * otherwise waits for the next connection (see {@link #awaitConnection}); any other command fails
     * at once while the node has no connection.
     */
    private <T> CompletableFuture<NodeReply> call(Function<Sender, CompletableFuture<T>> command,
            BiFunction<@Nullable T, SentCommand<?>, NodeReply> onReply, boolean cleanup) {
        String why = excluded;
        if (why != null) {
            return CompletableFuture.completedFuture(NodeReply.error(why));
        }
        StatefulRedisConnection<String, String> current = connection;
        if (current == null || !current.isOpen()) {
            if (current != null) {
                lost(current, "connection lost", false);
            }
            connectIfDue();
            return cleanup ? cleanupWithoutConnection(open -> send(command, onReply, open))
                    : CompletableFuture.completedFuture(NodeReply.error("not connected: " + lastConnectError));
        }
        return send(command, onReply, current);
    }

    /**
     * A cleanup while the node has no connection: sent on the {@link #retired} connection while it
     * is open, or else waiting for the next connection (see {@link #awaitConnection}).
     */
    private CompletableFuture<NodeReply> cleanupWithoutConnection(
            Function<StatefulRedisConnection<String, String>, CompletableFuture<NodeReply>> send) {
        StatefulRedisConnection<String, String> kept = retired;
        return kept != null && kept.isOpen() ? send.apply(kept) : awaitConnection(send);
    }

    /**
     * Has a cleanup that found no connection wait for the next one, holding no thread: it is sent
     * there as soon as the connection is installed, ahead of any command sent on it after. A cleanup
     * deletes only this caller's own value and was never written, so sending it once on the new
     * connection is safe: a command it cleans up after that was written on the connection that
     * closed came first; one that was never written left nothing to delete. Completes with TIMEOUT
     * ("not connected: " and the cause) when no connection is up within the node's timeout from
     * now, and in any case within the timeout plus {@link #UNWRITTEN_GRACE_NANOS}, the bound of any
     * command. Fails at once (ERROR "not connected: ...") when no connection attempt is under way
     * nor due within the timeout, or when {@code requestQueueSize} cleanups wait already; completes
     * with ERROR "closed" when the node closes.
     */
    private CompletableFuture<NodeReply> awaitConnection(
            Function<StatefulRedisConnection<String, String>, CompletableFuture<NodeReply>> send) {
        long now = ticker.nanoTime();
        if (!connecting.get() && nextConnectNanos - now >= timeoutNanos) {
            return CompletableFuture.completedFuture(NodeReply.error("not connected: " + lastConnectError));
        }
        AwaitingConnection waiter = new AwaitingConnection(send, now);
        StatefulRedisConnection<String, String> open;
        synchronized (this) {
            open = connection;
            if (open == null || !open.isOpen()) {
                open = null;
                if (closed) {
                    return CompletableFuture.completedFuture(closedReply());
                }
                if (awaiting.size() >= maxAwaiting) {
                    return CompletableFuture.completedFuture(NodeReply.error("not connected: " + lastConnectError + "; "
                            + maxAwaiting + " cleanups already wait for a connection, see requestQueueSize"));
                }
                awaiting.add(waiter);
            }
        }
        if (open != null) { // installed meanwhile
            return send.apply(open);
        }
        try {
            timer.newTimeout(waiter, timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) { // the timer is stopped: the engine is closing
            waiter.run(null);
        }
        scheduleReconnect();
        return waiter.reply;
    }

    /** A cleanup waiting for a connection (see {@link #awaitConnection}); as a timer task, its bound. */
    private final class AwaitingConnection implements TimerTask {
        private final Function<StatefulRedisConnection<String, String>, CompletableFuture<NodeReply>> send;
        private final long submittedAt;
        private final AtomicBoolean taken = new AtomicBoolean();
        final CompletableFuture<NodeReply> reply = new CompletableFuture<>();

        AwaitingConnection(Function<StatefulRedisConnection<String, String>, CompletableFuture<NodeReply>> send,
                long submittedAt) {
            this.send = send;
            this.submittedAt = submittedAt;
        }

        /** True for the one caller that takes it off the wait: to send it, or to end it. */
        boolean take() {
            return taken.compareAndSet(false, true);
        }

        /** Queues it on {@code open}; the returned task, run out of any lock, hands its reply on. */
        Runnable sendOn(StatefulRedisConnection<String, String> open) {
            CompletableFuture<NodeReply> sent;
            try {
                sent = send.apply(open);
            } catch (RuntimeException e) {
                sent = CompletableFuture.completedFuture(NodeReply.error(describe(e)));
            }
            CompletableFuture<NodeReply> answered = sent;
            return () -> answered.whenComplete((answer, failure) -> reply.complete(failure == null ? answer
                    : NodeReply.error(describe(failure))));
        }

        @Override
        public void run(@Nullable Timeout expired) {
            if (reply.isDone()) {
                return;
            }
            if (take()) {
                synchronized (LettuceNode.this) {
                    awaiting.remove(this);
                }
                reply.complete(NodeReply.timeout("not connected: " + lastConnectError));
                return;
            }
            // Sent on a new connection: bounded as any command, from when it was submitted.
            long bound = timeoutNanos + UNWRITTEN_GRACE_NANOS;
            long left = submittedAt + bound - ticker.nanoTime();
            if (left <= 0) {
                reply.complete(NodeReply.timeout("no reply within " + Duration.ofNanos(bound).toMillis()
                        + " ms, the wait for a connection included"));
                return;
            }
            try {
                timer.newTimeout(this, left, TimeUnit.NANOSECONDS);
            } catch (RuntimeException e) { // the timer is stopped: the engine is closing
                reply.complete(timedOut());
            }
        }
    }

    /** Sends a call's command (see {@link #call}) on {@code open}. */
    private <T> CompletableFuture<NodeReply> send(Function<Sender, CompletableFuture<T>> command,
            BiFunction<@Nullable T, SentCommand<?>, NodeReply> onReply, StatefulRedisConnection<String, String> open) {
        long submittedAt = ticker.nanoTime();
        AtomicReference<@Nullable SentCommand<?>> first = new AtomicReference<>();
        Sender sender = new Sender() {
            @Override
            public <R> CompletableFuture<R> apply(SentCommand<R> sent) {
                first.compareAndSet(null, sent);
                unsent.add(sent.queuedFor(open));
                writeSoon();
                return sent;
            }
        };
        CompletableFuture<T> sent;
        try {
            sent = command.apply(sender);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(NodeReply.error(describe(e)));
        }
        SentCommand<?> firstSent = Objects.requireNonNull(first.get());
        // A new future: timing out must not complete Lettuce's own command object.
        CompletableFuture<NodeReply> reply = new CompletableFuture<>();
        Timeout timeout = timer.newTimeout(new Expiry(reply, firstSent, submittedAt, open), timeoutNanos,
                TimeUnit.NANOSECONDS);
        sent.whenComplete((value, failure) -> {
            // Only the server's answers show it is answering; a full request queue, a closed
            // connection or a cancellation is this JVM's doing and says nothing about the node.
            if (failure == null || unwrap(failure) instanceof RedisCommandExecutionException) {
                lastReplyNanos = ticker.nanoTime();
                if (connection == open) {
                    silentTimeouts.set(0);
                }
            }
            timeout.cancel();
            try {
                reply.complete(failure == null ? onReply.apply(value, firstSent) : toReply(failure));
            } catch (RuntimeException e) {
                reply.complete(NodeReply.error(describe(e)));
            }
        });
        return reply;
    }

    /**
     * Fires a call's timeout once the node has been silent for the timeout since the command was
     * written, and in any case once the command has waited the timeout plus {@link #UNWRITTEN_GRACE_NANOS}
     * since it was written (a node far behind, whose replies to earlier commands keep arriving).
     */
    private final class Expiry implements TimerTask {
        private final CompletableFuture<NodeReply> reply;
        private final SentCommand<?> command;
        private final long submittedAt;
        private final StatefulRedisConnection<String, String> open;

        Expiry(CompletableFuture<NodeReply> reply, SentCommand<?> command, long submittedAt,
                StatefulRedisConnection<String, String> open) {
            this.reply = reply;
            this.command = command;
            this.submittedAt = submittedAt;
            this.open = open;
        }

        @Override
        public void run(Timeout expired) {
            if (reply.isDone()) {
                return;
            }
            long now = ticker.nanoTime();
            if (!command.isWritten()) {
                // Bounds a call whose command this JVM never got to write (an I/O thread stuck or starved).
                if (now - submittedAt >= timeoutNanos + UNWRITTEN_GRACE_NANOS) {
                    reply.complete(NodeReply.timeout("not written within "
                            + Duration.ofNanos(timeoutNanos + UNWRITTEN_GRACE_NANOS).toMillis() + " ms"));
                } else {
                    rearm(timeoutNanos);
                }
                return;
            }
            long written = command.writtenAtNanos();
            long cap = written + timeoutNanos + UNWRITTEN_GRACE_NANOS;
            if (now - cap >= 0) {
                reply.complete(NodeReply.timeout("no reply within "
                        + Duration.ofNanos(timeoutNanos + UNWRITTEN_GRACE_NANOS).toMillis() + " ms of being written"));
                return;
            }
            long lastReply = lastReplyNanos;
            long silentSince = lastReply - written > 0 ? lastReply : written;
            long deadline = silentSince + timeoutNanos;
            Executor io = command.ioThread();
            if (deadline - now > 0) {
                rearm(Math.min(deadline, cap) - now);
            } else if (io == null || now - submittedAt >= timeoutNanos + UNWRITTEN_GRACE_NANOS) {
                reply.complete(timedOut());
            } else if (responsiveAtNanos - deadline >= 0) {
                // The I/O thread kept up and the node said nothing: a real silence.
                reply.complete(timedOut());
                silentTimeout(open);
            } else {
                probe(io, now);
                rearm(CONFIRM_LAG_NANOS);
            }
        }

        private void rearm(long delayNanos) {
            try {
                timer.newTimeout(this, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RuntimeException e) { // the timer is stopped: the engine is closing
                reply.complete(timedOut());
            }
        }
    }

    /**
     * Counts a timeout seen while the I/O thread kept up. After {@value #SILENT_TIMEOUTS_BEFORE_REPLACING}
     * in a row with no reply from the server in between, once the connection has been silent for at
     * least 5 s and 3 node timeouts, it is taken for dead and replaced.
     */
    private void silentTimeout(StatefulRedisConnection<String, String> open) {
        if (connection != open || silentTimeouts.incrementAndGet() < SILENT_TIMEOUTS_BEFORE_REPLACING) {
            return;
        }
        long lastReply = lastReplyNanos;
        long connectedAt = connectedAtNanos;
        long silentSince = lastReply - connectedAt > 0 ? lastReply : connectedAt;
        long silence = ticker.nanoTime() - silentSince;
        if (silence >= silenceBeforeReplacingNanos) {
            lost(open, "no reply to " + silentTimeouts.get() + " commands in a row nor to anything else for "
                    + Duration.ofNanos(silence).toMillis()
                    + " ms while the connection was read; it is being replaced (until then it carries releases only)", true);
        }
    }

    /**
     * Checks that the connection's I/O thread, which reads the replies, keeps up: a task posted to it
     * that runs within {@link #CONFIRM_LAG_NANOS} marks it responsive at that time. A command times
     * out only if the thread was responsive after the command's silence had lasted the timeout: it
     * had been reading, so the node really is silent. While the thread lags (busy, or starved of CPU
     * by this JVM), a reply may sit unread, and the check is repeated. One probe at a time per node,
     * however many commands wait.
     */
    private void probe(Executor io, long postedAt) {
        if (!probing.compareAndSet(false, true)) {
            return;
        }
        try {
            io.execute(() -> {
                long ran = ticker.nanoTime();
                if (ran - postedAt <= CONFIRM_LAG_NANOS) {
                    responsiveAtNanos = ran;
                }
                probing.set(false);
            });
        } catch (RuntimeException e) { // the I/O thread is shut down: the engine is closing
            responsiveAtNanos = ticker.nanoTime();
            probing.set(false);
        }
    }

    /**
     * Writes the queued commands in batches, one write and flush per batch, each of at most a quarter
     * of the request queue (and 512): Lettuce admits or rejects a batch whole, so a batch larger than
     * the room left in its queue would fail every command in it, even those that would have fitted.
     * Under a burst, thousands
     * of threads each writing and flushing their own command kept the I/O thread busy with one task
     * and one write system call per command while the replies waited unread until they timed out.
     * Now the caller that finds no write running writes at once (a lone caller pays no hand-off) and
     * goes on with what others queued meanwhile, so a burst shares a few writes; after a few rounds
     * it hands the rest to {@code flusher}, so that no caller is held up for long. One writer at a
     * time takes the queue in order, so the commands of one node keep the order they were sent in,
     * and writes each on the connection it was queued for, never on another.
     * (Lettuce's own buffering, {@code setAutoFlushCommands(false)}, is not used: its flush takes a
     * lock that makes concurrent writers spin.)
     */
    private void writeSoon() {
        if (ThreadExecutorMap.currentExecutor() instanceof EventLoop) {
            // On an I/O thread Netty writes at once, ahead of batches other threads handed it that
            // still wait in its task queue: a release could then overtake its own lock's SET and
            // leave the key behind. Write from another thread, through that queue, in order.
            handOff();
            return;
        }
        while (!unsent.isEmpty() && writing.compareAndSet(false, true)) {
            try {
                SentCommand<?> next = unsent.poll();
                for (int round = 0; next != null; round++) {
                    // A batch goes to one connection, the one its commands were queued for: a command
                    // queued for a connection that closed meanwhile fails with it, it is never
                    // written on the next one (after its call may have been given up).
                    StatefulRedisConnection<String, String> to = next.connection();
                    List<RedisCommand<String, String, ?>> batch = new ArrayList<>(Math.min(writeChunk, 64));
                    while (next != null && batch.size() < writeChunk && next.connection() == to) {
                        batch.add(next);
                        next = unsent.poll();
                    }
                    dispatch(to, batch);
                    if (round + 1 >= INLINE_WRITE_ROUNDS && next != null) {
                        dispatch(next.connection(), List.of(next)); // taken already: written now, in order
                        break;
                    }
                }
            } finally {
                writing.set(false);
            }
            if (!unsent.isEmpty()) {
                handOff();
                return;
            }
        }
    }

    private static void dispatch(StatefulRedisConnection<String, String> open, List<RedisCommand<String, String, ?>> batch) {
        try {
            open.dispatch(batch);
        } catch (RuntimeException e) {
            batch.forEach(command -> command.completeExceptionally(e));
        }
    }

    /**
     * Has the flusher write. Called without holding {@code writing} (a writer releases it first), so
     * a rejection must not touch it: another thread may be writing.
     */
    private void handOff() {
        try {
            flusher.execute(this::writeSoon); // a computation thread, never an I/O event loop
        } catch (RuntimeException e) { // rejected: shutting down
            for (SentCommand<?> next = unsent.poll(); next != null; next = unsent.poll()) {
                next.completeExceptionally(e);
            }
        }
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
        String detail = describe(cause);
        if (cause instanceof RedisCommandExecutionException && detail.contains("WRONGTYPE")) {
            // The key holds a hash, a list...: something that is not ours holds it, so it is held.
            // The scripts stop at their first command on it: nothing of it is changed or deleted.
            return new NodeReply(NodeReply.Status.REFUSED, "key holds a value of another type (WRONGTYPE)", -1);
        }
        // Lettuce's words for a full command stack or buffer ("... size exceeded: N. Commands are not accepted ...").
        if (cause instanceof RedisException && detail.contains("size exceeded")) {
            return NodeReply.error("request queue full, see requestQueueSize: " + detail);
        }
        return NodeReply.error(detail);
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
        client.removeListener(disconnects);
        StatefulRedisConnection<String, String> c;
        StatefulRedisConnection<String, String> wasRetired;
        List<AwaitingConnection> ended;
        synchronized (this) {
            c = connection;
            connection = null;
            wasRetired = retired;
            retired = null;
            ended = new ArrayList<>(awaiting);
            awaiting.clear();
        }
        NodeReply closedReply = closedReply();
        for (AwaitingConnection waiter : ended) {
            if (waiter.take()) {
                waiter.reply.complete(closedReply);
            }
        }
        if (c != null) {
            c.close();
        }
        if (wasRetired != null) {
            wasRetired.close();
        }
    }

    /** What a cleanup waiting for a connection completes with when the node closes: ERROR "closed", or why it was excluded. */
    private NodeReply closedReply() {
        String why = excluded;
        return NodeReply.error(why != null ? why : "closed");
    }

    @Override
    public String toString() {
        return address.toString();
    }
}
