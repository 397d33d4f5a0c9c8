package io.github.redlock.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
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
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
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

    /** How long past the timeout a command may wait to be written before its call times out all the same. */
    private static final long UNWRITTEN_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** How many batches a caller writes for others before handing the rest to the flusher. */
    private static final int INLINE_WRITE_ROUNDS = 4;

    /** Long enough ago to count as never. */
    private static final long NEVER_NANOS = TimeUnit.DAYS.toNanos(1);

    /** An I/O thread that runs a posted probe within this is keeping up with its reads. */
    private static final long CONFIRM_LAG_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final RedisClient client;
    private final ServerAddress address;
    private final long timeoutNanos;
    private final Timer timer;
    private final long reconnectIntervalNanos;
    private final Ticker ticker;
    private final AtomicBoolean connecting = new AtomicBoolean();
    private final Queue<SentCommand<?>> unsent = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean writing = new AtomicBoolean();
    private final AtomicBoolean probing = new AtomicBoolean();
    private final Executor flusher;

    private volatile @Nullable StatefulRedisConnection<String, String> connection;
    private volatile long lastReplyNanos;
    private volatile long responsiveAtNanos;
    private volatile long nextConnectNanos;
    private volatile String lastConnectError = "not connected yet";
    private volatile boolean closed;

    /**
     * @param timer fires the per-node timeouts; a hashed wheel, so that scheduling and cancelling
     *        one per command wakes no thread (the JDK's {@code orTimeout} wakes its timer thread
     *        whenever its queue was empty, once or twice per lock cycle)
     */
    public LettuceNode(RedisClient client, ServerAddress address, Duration timeout, Duration reconnectInterval,
            Ticker ticker, Timer timer, Executor flusher) {
        this.flusher = flusher;
        this.client = client;
        this.address = address;
        this.timeoutNanos = timeout.toNanos();
        this.reconnectIntervalNanos = reconnectInterval.toNanos();
        this.ticker = ticker;
        this.timer = timer;
        this.nextConnectNanos = ticker.nanoTime();
        this.lastReplyNanos = nextConnectNanos - NEVER_NANOS;
        this.responsiveAtNanos = nextConnectNanos - NEVER_NANOS;
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
                    // Loaded now, so the first renewals after a (re)connect need no NOSCRIPT round trip.
                    connected.async().scriptLoad(Scripts.EXTEND.text());
                    connection = connected;
                    return NodeReply.OK;
                });
    }

    @Override
    public String address() {
        return address.toString();
    }

    @Override
    public CompletableFuture<NodeReply> acquire(String key, String value, long ttlMillis) {
        return call(send -> send.apply(SentCommand.setNx(ticker, key, value, ttlMillis)),
                reply -> "OK".equals(reply) ? NodeReply.OK : NodeReply.REFUSED);
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
        return eval(Scripts.RELEASE, key, value);
    }

    @Override
    public CompletableFuture<NodeReply> ping() {
        return call(send -> send.apply(SentCommand.ping(ticker)), (reply, command) -> new NodeReply(NodeReply.Status.OK,
                null, ticker.nanoTime() - command.writtenAtNanos()));
    }

    private CompletableFuture<NodeReply> eval(Scripts.Script script, String key, String... args) {
        return call(send -> send.apply(SentCommand.eval(ticker, script.text(), key, args)), LettuceNode::scriptReply);
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
        return call(command, (reply, first) -> onReply.apply(reply));
    }

    /**
     * Sends a command (or two, for a script fallback) and completes with the mapped reply, or with
     * TIMEOUT when the node stays silent: no reply to this command nor any other on the connection
     * within the timeout after the command was written. Replies on one connection come in order, so
     * while earlier replies keep arriving the node is answering and this command is only queued.
     */
    private <T> CompletableFuture<NodeReply> call(Function<Sender, CompletableFuture<T>> command,
            BiFunction<@Nullable T, SentCommand<?>, NodeReply> onReply) {
        StatefulRedisConnection<String, String> open = connection;
        if (open == null || !open.isOpen()) {
            connectIfDue();
            return CompletableFuture.completedFuture(NodeReply.error("not connected: " + lastConnectError));
        }
        long submittedAt = ticker.nanoTime();
        AtomicReference<@Nullable SentCommand<?>> first = new AtomicReference<>();
        Sender sender = new Sender() {
            @Override
            public <R> CompletableFuture<R> apply(SentCommand<R> sent) {
                first.compareAndSet(null, sent);
                unsent.add(sent);
                writeSoon(open);
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
        Timeout timeout = timer.newTimeout(new Expiry(reply, firstSent, submittedAt), timeoutNanos, TimeUnit.NANOSECONDS);
        sent.whenComplete((value, failure) -> {
            lastReplyNanos = ticker.nanoTime();
            timeout.cancel();
            try {
                reply.complete(failure == null ? onReply.apply(value, firstSent) : toReply(failure));
            } catch (RuntimeException e) {
                reply.complete(NodeReply.error(describe(e)));
            }
        });
        return reply;
    }

    /** Fires a call's timeout once the node has been silent for the timeout since the command was written. */
    private final class Expiry implements TimerTask {
        private final CompletableFuture<NodeReply> reply;
        private final SentCommand<?> command;
        private final long submittedAt;

        Expiry(CompletableFuture<NodeReply> reply, SentCommand<?> command, long submittedAt) {
            this.reply = reply;
            this.command = command;
            this.submittedAt = submittedAt;
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
            long lastReply = lastReplyNanos;
            long silentSince = lastReply - written > 0 ? lastReply : written;
            long deadline = silentSince + timeoutNanos;
            Executor io = command.ioThread();
            if (deadline - now > 0) {
                rearm(deadline - now);
            } else if (io == null || now - submittedAt >= timeoutNanos + UNWRITTEN_GRACE_NANOS
                    || responsiveAtNanos - deadline >= 0) {
                reply.complete(timedOut());
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
     * Writes the queued commands in batches, one write and flush per batch. Under a burst, thousands
     * of threads each writing and flushing their own command kept the I/O thread busy with one task
     * and one write system call per command while the replies waited unread until they timed out.
     * Now the caller that finds no write running writes at once (a lone caller pays no hand-off) and
     * goes on with what others queued meanwhile, so a burst shares a few writes; after a few rounds
     * it hands the rest to {@code flusher}, so that no caller is held up for long. One writer at a
     * time takes the queue in order, so the commands of one node keep the order they were sent in.
     * (Lettuce's own buffering, {@code setAutoFlushCommands(false)}, is not used: its flush takes a
     * lock that makes concurrent writers spin.)
     */
    private void writeSoon(StatefulRedisConnection<String, String> open) {
        if (ThreadExecutorMap.currentExecutor() instanceof EventLoop) {
            // On an I/O thread Netty writes at once, ahead of batches other threads handed it that
            // still wait in its task queue: a release could then overtake its own lock's SET and
            // leave the key behind. Write from another thread, through that queue, in order.
            handOff(open);
            return;
        }
        while (!unsent.isEmpty() && writing.compareAndSet(false, true)) {
            try {
                for (int round = 0; round < INLINE_WRITE_ROUNDS; round++) {
                    List<RedisCommand<String, String, ?>> batch = new ArrayList<>();
                    for (SentCommand<?> next = unsent.poll(); next != null; next = unsent.poll()) {
                        batch.add(next);
                    }
                    if (batch.isEmpty()) {
                        break;
                    }
                    dispatch(open, batch);
                }
            } finally {
                writing.set(false);
            }
            if (!unsent.isEmpty()) {
                handOff(open);
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

    private void handOff(StatefulRedisConnection<String, String> open) {
        try {
            flusher.execute(() -> writeSoon(open)); // a computation thread, never an I/O event loop
        } catch (RuntimeException e) { // rejected: shutting down
            writing.set(false);
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
        StatefulRedisConnection<String, String> c = connection;
        connection = null;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public String toString() {
        return address.toString();
    }
}
