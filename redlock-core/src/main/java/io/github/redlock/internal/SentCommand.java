package io.github.redlock.internal;

import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.output.ValueOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.netty.buffer.ByteBuf;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.List;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * A Redis command that notes when it was written to its connection: Lettuce encodes a command on
 * the connection's I/O thread as it writes it to the socket. A node's timeout counts from then, not
 * from when a caller thread queued the command (under a burst, commands may wait for the I/O
 * thread far longer than any node takes to answer).
 */
final class SentCommand<T> extends AsyncCommand<String, String, T> {

    private final Ticker ticker;
    private volatile long writtenAtNanos;
    private volatile boolean written;
    private volatile @Nullable Executor ioThread;
    /** The connection it is queued for; set before it is queued, read by the writer that takes it. */
    private @Nullable StatefulRedisConnection<String, String> connection;

    private SentCommand(Ticker ticker, CommandType type, CommandOutput<String, String, T> output,
            CommandArgs<String, String> args) {
        super(new Command<>(type, output, args));
        this.ticker = ticker;
    }

    @Override
    public void encode(ByteBuf buf) {
        if (!written) {
            writtenAtNanos = ticker.nanoTime();
            ioThread = ThreadExecutorMap.currentExecutor();
            written = true;
        }
        super.encode(buf);
    }

    /** Queues it for {@code open}: the writer that takes it writes it there, on no other connection. */
    SentCommand<T> queuedFor(StatefulRedisConnection<String, String> open) {
        this.connection = open;
        return this;
    }

    /** The connection it was queued for. */
    StatefulRedisConnection<String, String> connection() {
        StatefulRedisConnection<String, String> open = connection;
        if (open == null) {
            throw new IllegalStateException("not queued for a connection");
        }
        return open;
    }

    boolean isWritten() {
        return written;
    }

    /** The connection's I/O thread, as an executor, once written (null if Netty does not say). */
    @Nullable Executor ioThread() {
        return ioThread;
    }

    /** When the command was written; meaningful once {@link #isWritten()}. */
    long writtenAtNanos() {
        return writtenAtNanos;
    }

    /** {@code SET key value NX PX ttl}: answers "OK", or null when the key exists. */
    static SentCommand<String> setNx(Ticker ticker, String key, String value, long ttlMillis) {
        CommandArgs<String, String> args = args().addKey(key).addValue(value);
        SetArgs.Builder.nx().px(ttlMillis).build(args);
        return new SentCommand<>(ticker, CommandType.SET, new StatusOutput<>(StringCodec.UTF8), args);
    }

    /** {@code GET key}: the value, or null when the key is absent. */
    static SentCommand<String> get(Ticker ticker, String key) {
        return new SentCommand<>(ticker, CommandType.GET, new ValueOutput<>(StringCodec.UTF8), args().addKey(key));
    }

    /** {@code EVAL script 1 key args...} answering an integer. */
    static SentCommand<Long> eval(Ticker ticker, String script, String key, String... values) {
        return new SentCommand<>(ticker, CommandType.EVAL, new IntegerOutput<>(StringCodec.UTF8),
                scriptArgs(script, key, values));
    }

    /** {@code EVAL script 1 key args...} answering a list. */
    static SentCommand<List<Object>> evalList(Ticker ticker, String script, String key, String... values) {
        return new SentCommand<>(ticker, CommandType.EVAL, new NestedMultiOutput<>(StringCodec.UTF8),
                scriptArgs(script, key, values));
    }

    /** {@code EVAL script 2 key1 key2 args...} answering an integer. */
    static SentCommand<Long> eval2(Ticker ticker, String script, String key1, String key2, String... values) {
        return new SentCommand<>(ticker, CommandType.EVAL, new IntegerOutput<>(StringCodec.UTF8),
                args().add(script).add(2).addKey(key1).addKey(key2).addValues(values));
    }

    /** {@code EVAL script 2 key1 key2 args...} answering a list. */
    static SentCommand<List<Object>> evalList2(Ticker ticker, String script, String key1, String key2, String... values) {
        return new SentCommand<>(ticker, CommandType.EVAL, new NestedMultiOutput<>(StringCodec.UTF8),
                args().add(script).add(2).addKey(key1).addKey(key2).addValues(values));
    }

    /** {@code EVALSHA sha1 1 key args...} answering an integer. */
    static SentCommand<Long> evalsha(Ticker ticker, String sha1, String key, String... values) {
        return new SentCommand<>(ticker, CommandType.EVALSHA, new IntegerOutput<>(StringCodec.UTF8),
                scriptArgs(sha1, key, values));
    }

    static SentCommand<String> ping(Ticker ticker) {
        return new SentCommand<>(ticker, CommandType.PING, new StatusOutput<>(StringCodec.UTF8), args());
    }

    private static CommandArgs<String, String> scriptArgs(String scriptOrSha, String key, String... values) {
        return args().add(scriptOrSha).add(1).addKey(key).addValues(values);
    }

    private static CommandArgs<String, String> args() {
        return new CommandArgs<>(StringCodec.UTF8);
    }
}
