package io.github.redlock.test;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;

/**
 * A TCP proxy inside the JVM, listening on a free port of {@code 127.0.0.1} in front of one
 * target {@code host:port}, that can simulate network faults without root: slow replies,
 * partitions, and lost replies. Point a client at {@link #uri()} instead of the node.
 *
 * <p>Modes (see {@link Mode}); the default is {@link Mode#PASS}. A mode applies to every
 * connection, already open or new, and to every chunk of bytes the proxy has not yet forwarded;
 * each control returns only once no chunk is being forwarded under the previous mode. A control
 * waits at most 5 s for that (a chunk can only be stuck if a client stops reading), then throws
 * {@link IllegalStateException}.
 *
 * <p>Forwarding works on chunks (whatever one socket read returns, at most 16 KiB), with one
 * accepting thread and two threads per connection, all daemon threads. When the target refuses
 * a new connection, the client's connection is closed, except in {@link Mode#BLACKHOLE} where it is
 * kept open and silent like any other. {@link #close()} closes every socket and stops every thread.
 */
public final class FaultProxy implements AutoCloseable {

    /** What the proxy does with the bytes of its connections. */
    public enum Mode {
        /** Forward both ways, unchanged. */
        PASS,
        /** Forward both ways, but hold each chunk of replies (server to client) for at least the delay. */
        DELAY,
        /**
         * Accept connections and read what clients send, but forward nothing either way: commands
         * never reach the server and clients wait for replies until their own timeout.
         */
        BLACKHOLE,
        /** Forward commands (the server applies them) but discard every reply. */
        DROP_REPLIES,
        /** Forward both ways, but hold each chunk of commands (client to server) for at least the delay. */
        DELAY_COMMANDS
    }

    private static final System.Logger LOG = System.getLogger("io.github.redlock.test");
    private static final int CHUNK_SIZE = 16 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(5);

    private final String targetHost;
    private final int targetPort;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    private final Object changes = new Object();
    private final AtomicBoolean faulted = new AtomicBoolean();
    private final AtomicLong connectionIds = new AtomicLong();
    private long changeCount;
    private volatile Mode mode = Mode.PASS;
    private volatile long delayNanos;
    private volatile boolean closed;

    private FaultProxy(String targetHost, int targetPort, ServerSocket server) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = server;
        this.acceptor = daemon(this::acceptLoop, "fault-proxy-" + server.getLocalPort() + "-accept");
    }

    /**
     * Starts a proxy in {@link Mode#PASS} on a free port of {@code 127.0.0.1}, forwarding to
     * {@code targetHost:targetPort}. It accepts connections as soon as this method returns; the
     * target is connected to only when a client connects (2 s connect timeout).
     *
     * @throws IllegalArgumentException if {@code targetPort} is not in 1..65535
     * @throws UncheckedIOException if no local port can be bound
     */
    public static FaultProxy start(String targetHost, int targetPort) {
        Objects.requireNonNull(targetHost, "targetHost");
        if (targetPort < 1 || targetPort > 65_535) {
            throw new IllegalArgumentException("Not a TCP port: " + targetPort);
        }
        ServerSocket server;
        try {
            server = new ServerSocket();
            server.bind(Loopback.socketAddress(0), 128);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not bind a port on " + Loopback.HOST + " for a fault proxy", e);
        }
        FaultProxy proxy = new FaultProxy(targetHost, targetPort, server);
        proxy.acceptor.start();
        return proxy;
    }

    /** The local port clients connect to. */
    public int port() {
        return server.getLocalPort();
    }

    /**
     * {@code redis://127.0.0.1:<port>}. It carries no password: for a node with one, see
     * {@link RedisNodesExtension#proxiedUris()} or add it yourself.
     */
    public String uri() {
        return RedisUris.of(Loopback.HOST, port(), null);
    }

    /** The current mode. */
    public Mode mode() {
        return mode;
    }

    /**
     * Forwards both ways (the default).
     *
     * @throws IllegalStateException if the proxy is closed, or a chunk stays stuck for 5 s
     */
    public void pass() {
        setMode(Mode.PASS, 0);
    }

    /**
     * Holds each chunk of replies (server to client) for at least {@code delay} after it was read
     * from the server, then forwards it; commands are forwarded at once. Chunks of one connection
     * are forwarded in order, so replies arriving in several chunks add up their delays. Switching
     * to another mode releases (or, for {@code BLACKHOLE} and {@code DROP_REPLIES}, discards) the
     * chunks being held.
     *
     * @throws IllegalArgumentException if {@code delay} is negative
     * @throws IllegalStateException if the proxy is closed, or a chunk stays stuck for 5 s
     */
    public void delay(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("The delay must not be negative: " + delay);
        }
        setMode(Mode.DELAY, delay.toNanos());
    }

    /**
     * Holds each chunk of commands (client to server) for at least {@code delay} after it was read
     * from the client, then forwards it; replies are forwarded at once. The request-path twin of
     * {@link #delay(Duration)}: a client reaches this node later than others, so its writes land
     * after those of clients that are not delayed. Chunks of one connection are forwarded in
     * order. Switching to another mode releases (or, for {@code BLACKHOLE}, discards) the chunks
     * being held.
     *
     * @throws IllegalArgumentException if {@code delay} is negative
     * @throws IllegalStateException if the proxy is closed, or a chunk stays stuck for 5 s
     */
    public void delayCommands(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("The delay must not be negative: " + delay);
        }
        setMode(Mode.DELAY_COMMANDS, delay.toNanos());
    }

    /**
     * Forwards nothing either way: bytes from clients are read and discarded, and so are bytes
     * from servers. New connections are still accepted. Clients see timeouts, as in a network
     * partition. Bytes discarded are gone: after {@link #pass()} a connection continues with what
     * comes next.
     *
     * @throws IllegalStateException if the proxy is closed, or a chunk stays stuck for 5 s
     */
    public void blackhole() {
        setMode(Mode.BLACKHOLE, 0);
    }

    /**
     * Forwards commands to the server, which applies them, but discards every reply: the
     * partition that makes a client believe a write failed although it happened.
     *
     * @throws IllegalStateException if the proxy is closed, or a chunk stays stuck for 5 s
     */
    public void dropReplies() {
        setMode(Mode.DROP_REPLIES, 0);
    }

    /**
     * Closes every connection open now (both the client's and the server's side); clients see
     * the connection closed. Returns when their sockets are closed and their threads have ended (at
     * most 5 s). The mode is unchanged and new connections are accepted.
     *
     * @throws IllegalStateException if the proxy is closed
     */
    public void resetConnections() {
        ensureOpen();
        faulted.set(true);
        closeAll(new ArrayList<>(connections));
    }

    /**
     * Back to a clean proxy for the next test: {@link #pass()}, and if any fault was set since
     * the last call, {@link #resetConnections()} too, since a connection that lost bytes may be out
     * of step with its client.
     */
    void heal() {
        boolean wasFaulted = faulted.get() || mode != Mode.PASS;
        pass();
        if (wasFaulted) {
            resetConnections();
        }
        faulted.set(false);
    }

    /**
     * Silences the connections open now, both ways, without closing them: whatever they carry from
     * now on is read and discarded, as when a NAT or firewall forgets a connection or a host vanishes
     * without a reset. Connections opened later are not affected and follow the mode. A silenced
     * connection stays silent until it is closed ({@link #resetConnections()}, {@link #close()}, or
     * the heal before the next test).
     *
     * @throws IllegalStateException if the proxy is closed, or a chunk stays stuck for 5 s
     */
    public void silenceOpenConnections() {
        ensureOpen();
        Lock lock = gate.writeLock();
        acquire(lock, "silence the connections of " + this);
        try {
            faulted.set(true);
            connections.forEach(connection -> connection.silenced = true);
        } finally {
            lock.unlock();
        }
        announceChange();
    }

    int openConnections() {
        return connections.size();
    }

    /** Connections accepted since start (each registered before it is counted here). */
    long acceptedConnections() {
        return connectionIds.get();
    }

    /** Stops accepting, closes every connection and ends every thread (waiting at most 5 s). Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        closeQuietly(server);
        join(List.of(acceptor), System.nanoTime() + JOIN_TIMEOUT.toNanos());
        closeAll(new ArrayList<>(connections));
    }

    @Override
    public String toString() {
        return "FaultProxy[" + Loopback.HOST + ":" + port() + " -> " + targetHost + ":" + targetPort + ", " + mode
                + (closed ? ", closed" : "") + "]";
    }

    private void setMode(Mode newMode, long newDelayNanos) {
        ensureOpen();
        Lock lock = gate.writeLock();
        acquire(lock, "switch " + this + " to " + newMode);
        try {
            delayNanos = newDelayNanos;
            mode = newMode;
            if (newMode != Mode.PASS) {
                faulted.set(true);
            }
        } finally {
            lock.unlock();
        }
        announceChange();
    }

    private void acquire(Lock lock, String what) {
        try {
            if (!lock.tryLock(CONTROL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("Could not " + what + " within " + CONTROL_TIMEOUT.toSeconds()
                        + " s: a chunk is stuck being written to a client that does not read; try resetConnections()");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while trying to " + what, e);
        }
    }

    /** Wakes chunks being held by {@link Mode#DELAY} or {@link Mode#DELAY_COMMANDS} so they look at the mode (or closing) again. */
    private void announceChange() {
        synchronized (changes) {
            changeCount++;
            changes.notifyAll();
        }
    }

    private long changeCount() {
        synchronized (changes) {
            return changeCount;
        }
    }

    private void closeAll(List<Connection> toClose) {
        toClose.forEach(Connection::close);
        announceChange();
        long deadline = System.nanoTime() + JOIN_TIMEOUT.toNanos();
        for (Connection connection : toClose) {
            join(connection.threads, deadline);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, this + " stops accepting connections", e);
                }
                return;
            }
            Connection connection = new Connection(client, connectionIds.get() + 1);
            connections.add(connection);
            connectionIds.incrementAndGet();
            if (closed) {
                connection.close();
                return;
            }
            connection.start();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    private static void join(List<Thread> threads, long deadlineNanos) {
        for (Thread thread : threads) {
            long remaining = deadlineNanos - System.nanoTime();
            if (thread == Thread.currentThread() || remaining <= 0) {
                continue;
            }
            try {
                TimeUnit.NANOSECONDS.timedJoin(thread, remaining);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void closeQuietly(@Nullable Closeable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (IOException e) {
            // closing is best effort: the socket is unusable either way
        }
    }

    /** One client connection and, when the target accepted it, the matching server connection. */
    private final class Connection {

        private final Socket client;
        private final String name;
        private final List<Thread> threads = new CopyOnWriteArrayList<>();
        private @Nullable Socket upstream;
        private boolean clientDone;
        private boolean serverDone;
        private volatile boolean closed;
        private volatile boolean silenced;

        Connection(Socket client, long id) {
            this.client = client;
            this.name = "fault-proxy-" + port() + "-" + id;
        }

        void start() {
            Thread commands = daemon(this::runCommands, name + "-commands");
            threads.add(commands);
            commands.start();
        }

        /** Connects to the target, starts the reply pump, then pumps commands. */
        private void runCommands() {
            try {
                client.setTcpNoDelay(true);
                Socket target = connectTarget();
                synchronized (this) {
                    if (closed) {
                        closeQuietly(target);
                        return;
                    }
                    upstream = target;
                }
                if (target == null && mode != Mode.BLACKHOLE) {
                    close();
                    return;
                }
                if (target != null) {
                    Thread replies = daemon(() -> runReplies(target), name + "-replies");
                    threads.add(replies);
                    replies.start();
                }
                pumpCommands(target);
            } catch (IOException | RuntimeException e) {
                if (!closed && !(e instanceof IOException)) {
                    LOG.log(Level.WARNING, name + " failed", e);
                }
                close();
            }
        }

        private @Nullable Socket connectTarget() {
            Socket target = new Socket();
            try {
                target.connect(new InetSocketAddress(targetHost, targetPort), CONNECT_TIMEOUT_MILLIS);
                target.setTcpNoDelay(true);
                return target;
            } catch (IOException e) {
                closeQuietly(target);
                return null;
            }
        }

        private void pumpCommands(@Nullable Socket target) throws IOException {
            InputStream in = client.getInputStream();
            OutputStream out = target == null ? null : target.getOutputStream();
            byte[] chunk = new byte[CHUNK_SIZE];
            while (true) {
                int length = in.read(chunk);
                if (length < 0) {
                    clientFinished(target);
                    return;
                }
                if (!forwardCommand(out, chunk, length, System.nanoTime())) {
                    close();
                    return;
                }
            }
        }

        /**
         * Forwards, holds or discards one chunk of commands according to the mode, re-read after each
         * wait; false when there is no server to forward to.
         */
        private boolean forwardCommand(@Nullable OutputStream out, byte[] chunk, int length, long receivedAt)
                throws IOException {
            while (true) {
                if (closed) {
                    throw new InterruptedIOException(name + " closed");
                }
                long seenChanges = changeCount();
                long remaining;
                Lock lock = gate.readLock();
                lock.lock();
                try {
                    Mode current = mode;
                    if (current == Mode.BLACKHOLE || silenced) {
                        return true;
                    }
                    if (out == null) {
                        return false;
                    }
                    remaining = current == Mode.DELAY_COMMANDS ? receivedAt + delayNanos - System.nanoTime() : 0;
                    if (remaining <= 0) {
                        out.write(chunk, 0, length);
                        return true;
                    }
                } finally {
                    lock.unlock();
                }
                awaitChange(seenChanges, remaining);
            }
        }

        private void runReplies(Socket target) {
            try {
                InputStream in = target.getInputStream();
                OutputStream out = client.getOutputStream();
                byte[] chunk = new byte[CHUNK_SIZE];
                while (true) {
                    int length = in.read(chunk);
                    if (length < 0) {
                        serverFinished();
                        return;
                    }
                    forwardReply(out, chunk, length, System.nanoTime());
                }
            } catch (IOException | RuntimeException e) {
                if (!closed && !(e instanceof IOException)) {
                    LOG.log(Level.WARNING, name + " failed", e);
                }
                close();
            }
        }

        /** Forwards, holds or discards one chunk of replies according to the mode, re-read after each wait. */
        private void forwardReply(OutputStream out, byte[] chunk, int length, long receivedAt) throws IOException {
            while (true) {
                if (closed) {
                    throw new InterruptedIOException(name + " closed");
                }
                long seenChanges = changeCount();
                long remaining;
                Lock lock = gate.readLock();
                lock.lock();
                try {
                    Mode current = mode;
                    if (current == Mode.BLACKHOLE || current == Mode.DROP_REPLIES || silenced) {
                        return;
                    }
                    remaining = current == Mode.DELAY ? receivedAt + delayNanos - System.nanoTime() : 0;
                    if (remaining <= 0) {
                        out.write(chunk, 0, length);
                        return;
                    }
                } finally {
                    lock.unlock();
                }
                awaitChange(seenChanges, remaining);
            }
        }

        private void awaitChange(long seenChanges, long nanos) throws InterruptedIOException {
            synchronized (changes) {
                if (changeCount != seenChanges || closed) {
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(changes, nanos);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException(name + " interrupted");
                }
            }
        }

        /** The client half-closed: pass the FIN on unless partitioned, and end when both sides are done. */
        private void clientFinished(@Nullable Socket target) throws IOException {
            if (target == null) {
                close();
                return;
            }
            Lock lock = gate.readLock();
            lock.lock();
            try {
                if (mode != Mode.BLACKHOLE && !silenced) {
                    target.shutdownOutput();
                }
            } finally {
                lock.unlock();
            }
            finishedOne(true);
        }

        private void serverFinished() throws IOException {
            Lock lock = gate.readLock();
            lock.lock();
            try {
                if (!silenced && (mode == Mode.PASS || mode == Mode.DELAY || mode == Mode.DELAY_COMMANDS)) {
                    client.shutdownOutput();
                }
            } finally {
                lock.unlock();
            }
            finishedOne(false);
        }

        private void finishedOne(boolean clientSide) {
            boolean both;
            synchronized (this) {
                if (clientSide) {
                    clientDone = true;
                } else {
                    serverDone = true;
                }
                both = clientDone && serverDone;
            }
            if (both) {
                close();
            }
        }

        void close() {
            Socket target;
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                target = upstream;
            }
            closeQuietly(client);
            closeQuietly(target);
            connections.remove(this);
            announceChange();
        }
    }
}
