package io.github.redlock.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * One {@code redis-server} process listening on {@code 127.0.0.1} on a port of its own, with its
 * own temporary working directory, and controls to fail it in the ways a Redis master fails.
 *
 * <p>A node is started by {@link RedisNodes#start(int)} (or {@link RedisNodesExtension}) with
 * {@code redis-server --bind 127.0.0.1 --port <free port> --save '' --appendonly no --dir <temp dir>
 * --daemonize no --protected-mode no} (plus {@code --enable-debug-command local} on Redis 7+, and
 * the {@link RedisNodeOptions}); the server's output goes to {@link #logFile()}. Its port never
 * changes: {@link #start()} and {@link #restart()} reuse it.
 *
 * <p>Every control returns only when it has taken effect, and every wait is bounded: starting
 * waits at most 15 s for the server to answer {@code PING}, stopping and killing at most 10 s for
 * the process to exit and the port to refuse connections, pausing at most 5 s for the process
 * state. A control that cannot finish in time throws {@link IllegalStateException} with the
 * reason and, for a failed start, the last lines of the server's log. Controls are thread-safe
 * (they run one at a time per node); {@link #command} may be called from any thread at any time.
 *
 * <p>{@link #close()} kills the process and deletes the directory; a JVM shutdown hook does the
 * same for nodes that were never closed.
 */
public final class RedisNode implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("io.github.redlock.test");

    /** Connect and read timeout of {@link #command(String...)}. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);
    private static final Duration PORT_RELEASE_TIMEOUT = Duration.ofSeconds(2);
    private static final int START_ATTEMPTS = 5;
    private static final int LOG_TAIL_LINES = 20;

    private final RedisServerBinary binary;
    private final RedisNodeOptions options;
    private final Path directory;
    private final Path logFile;
    private volatile int port;
    private volatile @Nullable Process process;
    private volatile long pid = -1;
    private volatile boolean closed;

    private RedisNode(RedisServerBinary binary, RedisNodeOptions options, Path directory) {
        this.binary = binary;
        this.options = options;
        this.directory = directory;
        this.logFile = directory.resolve("redis.log");
    }

    /**
     * Starts a node on a free port; returns when it answers {@code PING}. If the chosen port is
     * taken by someone else in the meantime, another free port is tried (5 attempts).
     *
     * @throws IllegalStateException if no binary is found or the server does not start
     */
    static RedisNode start(RedisNodeOptions options) {
        RedisServerBinary configured = options.binary();
        RedisServerBinary binary = configured != null ? configured : RedisServerBinary.resolve();
        Path directory;
        try {
            directory = Files.createTempDirectory("redlock-test-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create a temporary directory for a redis-server", e);
        }
        ProcessReaper.register(directory);
        RedisNode node = new RedisNode(binary, options, directory);
        try {
            node.startOnFreePort();
            return node;
        } catch (RuntimeException | Error e) {
            node.close();
            throw e;
        }
    }

    /** Always {@code 127.0.0.1}. */
    public String host() {
        return Loopback.HOST;
    }

    /** The port; the same for the node's whole life, across kills and restarts. */
    public int port() {
        return port;
    }

    /**
     * {@code redis://127.0.0.1:<port>}, or {@code redis://:<password>@127.0.0.1:<port>} when the
     * node has a password (percent-encoded where needed).
     */
    public String uri() {
        return RedisUris.of(Loopback.HOST, port, options.passwordOrNull());
    }

    /** The process id of the current {@code redis-server}, or of the last one if the node is down. */
    public long pid() {
        return pid;
    }

    /** The binary this node runs. */
    public RedisServerBinary binary() {
        return binary;
    }

    /**
     * The file receiving the server's standard output and error (appended across restarts);
     * deleted by {@link #close()}.
     */
    public Path logFile() {
        return logFile;
    }

    /** Whether the process is alive; a paused node is alive. */
    public boolean isRunning() {
        Process current = process;
        return current != null && current.isAlive();
    }

    /** Whether the process is alive and stopped by {@link #pause()} (state {@code T}). */
    public boolean isPaused() {
        Process current = process;
        return current != null && current.isAlive() && ProcessState.isStopped(current.pid());
    }

    /**
     * SIGKILLs the server (and any child it forked); returns when the process is gone and the port
     * refuses connections. Data not persisted is lost. Does nothing if the node is already down.
     * A paused node is killed directly: SIGKILL ends a stopped process without letting it run
     * the commands it has queued.
     *
     * @throws IllegalStateException if the process survives 10 s, the port still accepts
     *         connections after 10 s, or the node is closed
     */
    public synchronized void kill() {
        ensureOpen();
        Process current = process;
        if (current == null) {
            return;
        }
        if (!ProcessReaper.killTree(current, STOP_TIMEOUT.toMillis())) {
            throw new IllegalStateException(this + ": still alive " + STOP_TIMEOUT.toSeconds() + " s after SIGKILL");
        }
        markDown(current);
        awaitPortRefused();
    }

    /**
     * Stops the server gracefully with SIGTERM (Redis then shuts down as with
     * {@code SHUTDOWN}, without saving an RDB since {@code save} is off; with the append-only option
     * the AOF is fsynced). A paused node is resumed right after the signal so it can handle it.
     * Returns when the process is gone and the port refuses connections; a server that has not
     * exited after 10 s is SIGKILLed. Does nothing if the node is already down.
     *
     * @throws IllegalStateException if the node is closed or the port still accepts connections
     *         after 10 s
     */
    public synchronized void stop() {
        ensureOpen();
        Process current = process;
        if (current == null) {
            return;
        }
        List<ProcessHandle> descendants = current.descendants().collect(Collectors.toList());
        boolean paused = current.isAlive() && ProcessState.isStopped(current.pid());
        current.destroy();
        if (paused) {
            try {
                ProcessState.signal(current.pid(), "CONT");
            } catch (IllegalStateException e) {
                if (current.isAlive()) {
                    throw e;
                }
            }
        }
        if (!waitFor(current, STOP_TIMEOUT)) {
            LOG.log(Level.WARNING, "{0} did not exit within {1} s of SIGTERM; sending SIGKILL", this,
                    STOP_TIMEOUT.toSeconds());
            if (!ProcessReaper.killTree(current, STOP_TIMEOUT.toMillis())) {
                throw new IllegalStateException(this + ": still alive after SIGTERM and SIGKILL");
            }
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
        markDown(current);
        awaitPortRefused();
    }

    /**
     * Starts the server again on the same port, after {@link #kill()} or {@link #stop()} (or a
     * crash); returns when it answers {@code PING}. If the port is briefly still taken, waits for it
     * (up to 5 attempts). Data comes back only with the append-only option.
     *
     * @throws IllegalStateException if the node is running or closed, or the server does not
     *         answer {@code PING} within 15 s (the message holds the tail of its log)
     */
    public synchronized void start() {
        ensureOpen();
        Process current = process;
        if (current != null) {
            if (current.isAlive()) {
                throw new IllegalStateException(this + " is already running");
            }
            markDown(current);
        }
        for (int attempt = 1; ; attempt++) {
            if (launch(attempt == START_ATTEMPTS)) {
                return;
            }
            int samePort = port;
            Poll.until(PORT_RELEASE_TIMEOUT, () -> Loopback.canBind(samePort));
        }
    }

    /**
     * {@link #kill()} then {@link #start()} on the same port: the node comes back empty unless the
     * append-only option is on. Returns when it answers {@code PING}.
     *
     * @throws IllegalStateException as {@link #kill()} and {@link #start()} do
     */
    public synchronized void restart() {
        kill();
        start();
    }

    /**
     * Freezes the server with SIGSTOP; returns when the process state is {@code T}. Clients then
     * connect (the kernel accepts) but get no reply until {@link #resume()}.
     *
     * @throws IllegalStateException if the node is not running or closed, or the process is not
     *         stopped within 5 s
     */
    public synchronized void pause() {
        ensureOpen();
        Process current = requireRunning("pause");
        ProcessState.signal(current.pid(), "STOP");
        Poll.await(this + " to be stopped (state T) after SIGSTOP", SIGNAL_TIMEOUT,
                () -> !current.isAlive() || ProcessState.isStopped(current.pid()));
        if (!current.isAlive()) {
            throw new IllegalStateException(this + " exited while being paused");
        }
    }

    /**
     * Lets a paused server run again with SIGCONT; returns when it answers {@code PING}. Resuming
     * a node that is not paused only checks that it answers.
     *
     * @throws IllegalStateException if the node is not running or closed, or does not answer
     *         {@code PING} within 15 s
     */
    public synchronized void resume() {
        ensureOpen();
        Process current = requireRunning("resume");
        ProcessState.signal(current.pid(), "CONT");
        Poll.await(this + " to answer PING after SIGCONT", START_TIMEOUT, this::answersPing);
    }

    /**
     * Sends one command over a new connection (authenticating first if the node has a password)
     * and returns the decoded reply: {@link String} for simple and bulk strings, {@link Long} for
     * integers, {@code null} for null replies, and {@link List} for arrays. Connect and read time
     * out after 2 s.
     *
     * @param args the command and its arguments, for example {@code "SET", "k", "v", "PX", "1000"}
     * @throws RedisReplyException if Redis answers with an error
     * @throws UncheckedIOException if the connection is refused, times out or breaks (the cause is
     *         the {@link java.net.ConnectException}, {@link java.net.SocketTimeoutException}...)
     * @throws IllegalStateException if the node is closed
     * @throws IllegalArgumentException if {@code args} is empty
     */
    public @Nullable Object command(String... args) {
        return command(COMMAND_TIMEOUT, args);
    }

    /**
     * As {@link #command(String...)}, with another connect and read timeout, for example a short
     * one to show that a paused node does not answer.
     *
     * @throws IllegalArgumentException if the timeout is not positive or {@code args} is empty
     */
    public @Nullable Object command(Duration timeout, String... args) {
        ensureOpen();
        return RespClient.call(Loopback.HOST, port, options.passwordOrNull(), timeout, args);
    }

    /**
     * {@code FLUSHALL}: deletes every key of every database.
     *
     * @throws RedisReplyException if Redis answers with an error
     * @throws UncheckedIOException if the node does not answer within 2 s
     */
    public void flushAll() {
        command("FLUSHALL");
    }

    /**
     * Makes the node usable and empty again: starts it if it is down, resumes it if paused, then
     * {@code CLIENT UNPAUSE}, {@code FLUSHALL} and {@code SCRIPT FLUSH}. A node that does not answer
     * within the 2 s command timeout (for example busy in {@code DEBUG SLEEP}, or under
     * {@code CLIENT PAUSE ... ALL}, which holds back even {@code CLIENT UNPAUSE}) or refuses the
     * commands (for example after {@code CONFIG SET requirepass}) is restarted. Other
     * {@code CONFIG SET} or {@code ACL} changes are kept.
     */
    synchronized void heal() {
        ensureOpen();
        if (!isRunning()) {
            start();
        } else if (isPaused()) {
            resume();
        }
        try {
            clear();
        } catch (UncheckedIOException | RedisReplyException e) {
            LOG.log(Level.DEBUG, "{0} could not be cleared ({1}); restarting it", this, e.getMessage());
            restart();
            clear();
        }
    }

    private void clear() {
        try {
            command("CLIENT", "UNPAUSE");
        } catch (RedisReplyException e) {
            // CLIENT UNPAUSE exists since Redis 6.2; before it, a CLIENT PAUSE simply runs out
        }
        command("FLUSHALL");
        command("SCRIPT", "FLUSH");
    }

    /**
     * Kills the server if it runs (paused or not), gives its port back and deletes its directory.
     * Idempotent; never throws (a failure to delete the directory is logged as a warning).
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Process current = process;
        if (current != null) {
            if (!ProcessReaper.killTree(current, STOP_TIMEOUT.toMillis())) {
                LOG.log(Level.WARNING, "{0}: process {1} still alive {2} s after SIGKILL", this, current.pid(),
                        STOP_TIMEOUT.toSeconds());
            }
            markDown(current);
        }
        FreePorts.release(port);
        try {
            ProcessReaper.deleteTree(directory);
            ProcessReaper.unregister(directory);
        } catch (UncheckedIOException e) {
            LOG.log(Level.WARNING, "Could not delete " + directory, e);
        }
    }

    @Override
    public String toString() {
        String state = closed ? "closed" : isRunning() ? "running" : "down";
        return "RedisNode[" + Loopback.HOST + ":" + port + ", pid " + pid + ", " + state + "]";
    }

    private void startOnFreePort() {
        for (int attempt = 1; ; attempt++) {
            port = FreePorts.reserve();
            if (launch(attempt == START_ATTEMPTS)) {
                return;
            }
            FreePorts.release(port);
        }
    }

    /**
     * Starts the process on {@link #port} and waits until it answers.
     *
     * @param lastAttempt whether a busy port is an error rather than a reason to try again
     * @return {@code true} when started; {@code false} when the port was in use
     */
    private boolean launch(boolean lastAttempt) {
        List<String> command = RedisCommandLine.build(binary, port, directory, options);
        long logOffset = size(logFile);
        Process started;
        try {
            started = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not run " + RedisCommandLine.describe(command), e);
        }
        ProcessReaper.register(started);
        process = started;
        pid = started.pid();
        long startedPid = started.pid();
        boolean answered = Poll.until(START_TIMEOUT, () -> !started.isAlive() || isReady(startedPid));
        if (answered && started.isAlive()) {
            return true;
        }
        boolean exited = !started.isAlive();
        ProcessReaper.killTree(started, STOP_TIMEOUT.toMillis());
        markDown(started);
        String tail = logTail(logOffset);
        if (exited && tail.contains("Address already in use") && !lastAttempt) {
            return false;
        }
        String why = exited
                ? "exited with code " + started.exitValue()
                : "did not answer PING within " + START_TIMEOUT.toSeconds() + " s and was killed";
        throw new IllegalStateException("redis-server on " + Loopback.HOST + ":" + port + " " + why + ".\nCommand: "
                + RedisCommandLine.describe(command) + "\nLast lines of " + logFile + ":\n" + tail);
    }

    /** Whether the server answers PING and is our process (not another server that took the port). */
    private boolean isReady(long expectedPid) {
        try {
            if (!"PONG".equals(probe("PING"))) {
                return false;
            }
            Object info = probe("INFO", "server");
            return info instanceof String && Long.toString(expectedPid).equals(infoField((String) info, "process_id"));
        } catch (UncheckedIOException | RedisReplyException e) {
            return false;
        }
    }

    private boolean answersPing() {
        try {
            return "PONG".equals(probe("PING"));
        } catch (UncheckedIOException | RedisReplyException e) {
            return false;
        }
    }

    private @Nullable Object probe(String... args) {
        return RespClient.call(Loopback.HOST, port, options.passwordOrNull(), PROBE_TIMEOUT, args);
    }

    /** The value of {@code field} in an {@code INFO} reply ({@code field:value} lines), or null. */
    static @Nullable String infoField(String info, String field) {
        String prefix = field + ":";
        return Arrays.stream(info.split("\r?\n"))
                .filter(line -> line.startsWith(prefix))
                .map(line -> line.substring(prefix.length()).strip())
                .findFirst()
                .orElse(null);
    }

    private void markDown(Process exited) {
        ProcessReaper.unregister(exited);
        if (process == exited) {
            process = null;
        }
    }

    private void awaitPortRefused() {
        int ownPort = port;
        Poll.await(Loopback.HOST + ":" + ownPort + " to refuse connections after " + this + " went down",
                STOP_TIMEOUT, () -> Loopback.refusesConnections(ownPort));
    }

    private Process requireRunning(String action) {
        Process current = process;
        if (current == null || !current.isAlive()) {
            throw new IllegalStateException("Cannot " + action + " " + this + ": it is not running");
        }
        return current;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    private static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for redis-server " + process.pid() + " to exit", e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private String logTail(long fromOffset) {
        try {
            if (!Files.exists(logFile)) {
                return "(no output)";
            }
            byte[] bytes = Files.readAllBytes(logFile);
            int from = (int) Math.min(fromOffset, bytes.length);
            String text = new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
            List<String> lines = Arrays.asList(text.split("\r?\n"));
            List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
            String joined = String.join("\n", tail).strip();
            return joined.isEmpty() ? "(no output)" : joined;
        } catch (IOException e) {
            return "(could not read the log: " + e + ")";
        }
    }
}
