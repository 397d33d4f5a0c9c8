package io.github.redlock;

import io.github.redlock.internal.Jitter;
import io.github.redlock.internal.LettuceNode;
import io.github.redlock.internal.NodeClientOptions;
import io.github.redlock.internal.Node;
import io.github.redlock.internal.NodeReply;
import io.github.redlock.internal.PubSubNotices;
import io.github.redlock.internal.ReleaseNotices;
import io.github.redlock.internal.Scheduler;
import io.github.redlock.internal.ServerAddress;
import io.github.redlock.internal.Ticker;
import io.github.redlock.internal.Tokens;
import io.github.redlock.internal.Validity;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.util.HashedWheelTimer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * A Redlock lock manager over several independent Redis masters.
 *
 * <pre>{@code
 * try (Redlock redlock = Redlock.builder()
 *         .servers("redis://10.0.0.1:6379", "redis://10.0.0.2:6379", "redis://10.0.0.3:6379")
 *         .build()) {
 *     Optional<Lease> lease = redlock.lock("nightly-report", Duration.ofSeconds(10));
 *     if (lease.isPresent()) {
 *         try (Lease held = lease.get()) {
 *             // critical section: finish within held.validity()
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>A lock is granted when at least {@code N/2 + 1} of the N configured nodes accepted it and
 * validity remains after subtracting the time the attempt took and a clock-drift allowance. All
 * nodes are asked in parallel, each with its own timeout; a failed attempt is released, before the
 * next one, on every node where it may have set the key (never on a node that refused it). Instances
 * are thread-safe; create one per application and close it on shutdown, which first ends the lock
 * calls in progress and leaves the leases still held to expire (their holders may still be working).
 *
 * <p>To run work under a lock, {@link #execute(LockRequest, LockedWork)} takes the lock, runs the
 * work only if it was acquired with validity left, and ends the lock as the request says (keep-alive,
 * minimum hold):
 *
 * <pre>{@code
 * LockedCall<Report> call = redlock.execute(
 *         LockRequest.of("nightly-report", Duration.ofSeconds(30)).withKeepAlive(true),
 *         lease -> reports.build());
 * }</pre>
 *
 * <p>Words used throughout: the <em>resource</em> is what a call locks ({@code "invoice:42"}); the
 * <em>key</em> is the Redis key holding it, the configured prefix and the resource; the <em>name</em>
 * is a low-cardinality label for metrics and traces ({@code "invoice"}); the <em>value</em> is the
 * lock's secret stored at the key; a <em>lease</em> is a granted lock and its handle.
 *
 * <p>The {@code lock}/{@code release} methods mirror the Perl module Redis::DistLock and report
 * failure as an empty {@link Optional} or {@code false}. The {@code tryLock} methods say why a
 * lock was not acquired, node by node. Bad arguments throw {@link IllegalArgumentException}
 * before anything is sent to Redis.
 */
public final class Redlock implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Redlock.class.getName());

    private final RedlockOptions options;
    private final Ticker ticker;
    private final LockEngine engine;
    private final Listeners listeners = new Listeners();
    private final HeldLocks held;
    private final LockedCalls calls;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final @Nullable RedisClient client;
    private final @Nullable HashedWheelTimer timeouts;
    private final @Nullable ClientResources ownedResources;

    private Redlock(RedlockOptions options) {
        this(options, true);
    }

    /** @param fillIn false only in tests that show what fill-in prevents (see the package's test switches) */
    private Redlock(RedlockOptions options, boolean fillIn) {
        // Seeding reads the OS's entropy: at startup, not in the first lock call (maybe on an event loop).
        Tokens.prepare();
        this.options = options;
        this.ticker = Ticker.SYSTEM;
        ClientResources shared = options.clientResources();
        ClientResources resources = shared != null ? shared : DefaultClientResources.create();
        this.ownedResources = shared != null ? null : resources;
        // Per-node timeouts, 10 ms precision: a wheel never wakes its thread to add or cancel one.
        this.timeouts = new HashedWheelTimer(new DefaultThreadFactory("redlock-timeouts", true), 10, TimeUnit.MILLISECONDS);
        // Started now: the first newTimeout would otherwise wait for the wheel's thread to start.
        timeouts.start();
        this.client = RedisClient.create(resources);
        ClientOptions.Builder clientOptions = NodeClientOptions.builder(options.requestQueueSize(), options.connectTimeout());
        if (options.sslOptions() != null) {
            clientOptions.sslOptions(options.sslOptions());
        }
        ClientOptions built = clientOptions.build();
        client.setOptions(built);
        List<LettuceNode> nodes = new ArrayList<>();
        for (ServerAddress address : options.addresses()) {
            nodes.add(new LettuceNode(client, address, options.timeout(), options.reconnectInterval(), ticker,
                    timeouts, resources.eventExecutorGroup()));
        }
        Scheduler scheduler = new Scheduler() {
            @Override
            public void schedule(Runnable task, long delayNanos) {
                resources.eventExecutorGroup().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public Runnable scheduleCancellable(Runnable task, long delayNanos) {
                ScheduledFuture<?> scheduled = resources.eventExecutorGroup().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
                return () -> scheduled.cancel(false);
            }
        };
        // Opens its subscription connections only when a call first waits.
        ReleaseNotices notices = new PubSubNotices(options.addresses(), resources, built, options.reconnectInterval(), ticker);
        this.engine = new LockEngine(List.copyOf(nodes), options, ticker, scheduler, Jitter.RANDOM, notices);
        this.held = new HeldLocks(engine, listeners, fillIn);
        this.calls = new LockedCalls(request -> start(request, Tokens.random(), false, Node::acquire, true), listeners,
                Redlock::awaitLock);
        // After each connection of each node, the first included: memory policy and ACL (see NodeChecks).
        connect(nodes, NodeChecks.watch(nodes, options));
    }

    /** For tests of the algorithm against fake nodes and a manual clock. */
    Redlock(RedlockOptions options, List<Node> nodes, Ticker ticker, Scheduler scheduler, Jitter jitter) {
        this.options = options;
        this.ticker = ticker;
        this.client = null;
        this.timeouts = null;
        this.ownedResources = null;
        this.engine = new LockEngine(nodes, options, ticker, scheduler, jitter);
        this.held = new HeldLocks(engine, listeners, true);
        this.calls = new LockedCalls(request -> start(request, Tokens.random(), false, Node::acquire, true), listeners,
                Redlock::awaitLock);
    }

    /** Starts building a Redlock; {@link Builder#servers(String...)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Connects to the configured nodes.
     *
     * @throws RedlockConnectionException when fewer than a quorum can be reached and
     *         {@link RedlockOptions#requireQuorumOnStartup()} is set
     * @throws InvalidRedlockSettingException when two entries are the same Redis server and
     *         {@link RedlockOptions#requireQuorumOnStartup()} is set (see {@link Builder#build()})
     */
    public static Redlock create(RedlockOptions options) {
        return new Redlock(options);
    }

    private void connect(List<LettuceNode> nodes, List<NodeChecks> checks) {
        warnIfFewerThanThree(nodes.size());
        warnIfNoFencingQuarantine(options);
        ServerAliases aliases = new ServerAliases(nodes, options.servers());
        List<CompletableFuture<NodeReply>> connects = nodes.stream().map(LettuceNode::connect).toList();
        List<NodeOutcome> outcomes = new ArrayList<>();
        long reachable = 0;
        // One deadline for all nodes: they connect in parallel, so waiting for each in turn with a
        // full bound would let N hanging handshakes (a paused node, TLS to a plain port) add up.
        // Connecting includes the INFO round trip that identifies the server (bounded by the node timeout).
        long deadline = ticker.nanoTime() + options.connectTimeout().plus(options.timeout()).plusSeconds(1).toNanos();
        for (int i = 0; i < nodes.size(); i++) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - ticker.nanoTime()));
            NodeReply reply = await(connects.get(i), left,
                    NodeReply.timeout("no connection within " + options.connectTimeout().toMillis() + " ms"));
            outcomes.add(Ballot.outcome(nodes.get(i).address(), reply));
            reachable += reply.isOk() ? 1 : 0;
        }
        Map<Integer, String> excluded;
        try {
            excluded = aliases.checkAtStartup(options.requireQuorumOnStartup());
        } catch (InvalidRedlockSettingException e) {
            close();
            throw e;
        }
        for (Map.Entry<Integer, String> alias : excluded.entrySet()) {
            NodeOutcome connected = outcomes.set(alias.getKey(),
                    new NodeOutcome(nodes.get(alias.getKey()).address(), NodeStatus.ERROR, alias.getValue()));
            reachable -= connected.status() == NodeStatus.OK ? 1 : 0;
        }
        if (reachable < engine.quorum() && options.requireQuorumOnStartup()) {
            close();
            throw new RedlockConnectionException(engine.quorum(), outcomes);
        }
        // Now that aliases are excluded: one server is checked (and reported) once.
        checks.forEach(NodeChecks::start);
        if (reachable < nodes.size()) {
            LOG.log(Level.WARNING, "Redlock connected to {0} of {1} nodes (quorum {2}); the others are retried on use: {3}",
                    reachable, nodes.size(), engine.quorum(), outcomes);
        } else {
            LOG.log(Level.INFO, "Redlock connected to {0} nodes (quorum {1}): {2}",
                    nodes.size(), engine.quorum(), engine.addresses());
        }
    }

    /** A fencing quarantine of 0: said once, at startup, as a WARN. */
    private static void warnIfNoFencingQuarantine(RedlockOptions options) {
        if (options.fencingQuarantine().isZero()) {
            LOG.log(Level.WARNING, "Redlock fencingQuarantine is 0: this client mints fencing tokens on a node at once"
                    + " after the node lost its counter (restart without persistence, FLUSHALL, eviction), so a token may"
                    + " lie below one that a lease granted before the loss still carries (a node clock behind); clients with a quarantine still"
                    + " wait theirs. Use 0 only with seeded counters or in tests");
        }
    }

    /** One server has no fault tolerance, two need both: said once, at startup, as a WARN. */
    private static void warnIfFewerThanThree(int servers) {
        if (servers == 1) {
            LOG.log(Level.WARNING, "Redlock lists 1 Redis server (quorum 1): no fault tolerance; locks stop while it"
                    + " is down, and a restart without persistence forgets every lock. List 3 or 5 independent servers"
                    + " to tolerate 1 or 2 failures");
        } else if (servers == 2) {
            LOG.log(Level.WARNING, "Redlock lists 2 Redis servers (quorum 2, none may fail): locks stop while either"
                    + " is down, no better than 1. List 3 or 5 independent servers to tolerate 1 or 2 failures");
        }
    }

    /**
     * Locks {@code resource} for {@code ttl} with a random value (24 bytes from
     * {@link java.security.SecureRandom}, as 32 base64 characters), retrying as configured.
     *
     * @return the lease, or empty when the lock is held elsewhere or too few nodes answered
     * @throws IllegalArgumentException for a blank resource, one with an unpaired surrogate
     *         character (it has no UTF-8 encoding), or a TTL below 1 ms
     * @throws IllegalStateException when this Redlock is closed
     */
    public Optional<Lease> lock(String resource, Duration ttl) {
        return tryLock(resource, ttl, Duration.ZERO).lease();
    }

    /**
     * Locks {@code resource} for {@code ttl} with a known value (for example a host name), so it
     * can later be released by {@link #release(String, String)} without keeping the lease. A lock
     * this Redlock already holds with this value is not taken again: the call fails as for any other
     * holder, and never touches that lease's keys (a failed attempt then releases only keys it created).
     */
    public Optional<Lease> lock(String resource, Duration ttl, String value) {
        return lock(resource, ttl, value, false);
    }

    /**
     * As {@link #lock(String, Duration, String)}; with {@code extend} true, a lock already held with
     * this same value is renewed for {@code ttl} instead of failing, and a free one is created. A lock
     * holding another value is never taken over. A lease of this Redlock for the same value is
     * replaced by the returned one: it stops renewing and filling in, and releasing it does nothing.
     */
    public Optional<Lease> lock(String resource, Duration ttl, String value, boolean extend) {
        LockRequest.requireWellFormed("value", value);
        LockRequest request = LockRequest.of(resource, ttl);
        HeldLock same = held.find(resource, value);
        if (extend && same != null) {
            // The call may shorten the keys of this process's lease of the same value, answered or not.
            same.cutTo(Validity.deadline(engine.ticker().nanoTime(), request.ttl().toNanos(), options.driftFactor()));
        }
        LockEngine.NodeCommand command = extend ? Node::acquireOrExtend : Node::acquire;
        return awaitLock(start(request, value, true, command, false)).lease();
    }

    /**
     * Locks as {@code request} says with a known value, as {@link #lock(String, Duration, String, boolean)}
     * does, and says why when it fails; blocks like {@link #tryLock(LockRequest)}. With {@code extend},
     * a lock holding this value is renewed and a free one created; otherwise a lock holding this value
     * is refused like any other. A lease of this Redlock for the same value is replaced by the
     * returned one.
     *
     * <p>For a {@link LockRequest#withFencing() fenced} request, whether the call continues an earlier
     * grant is decided by this Redlock's own lease of the value, never by finding the value on the
     * servers (someone else may have held the lock in between): with {@code extend} and a lease of
     * this value that is still valid when an attempt starts, the grant is a renewal of that lease and
     * keeps its {@link Lease#fencingToken() token}, provided that lease was still valid when a quorum
     * of nodes answered the renewal (otherwise the attempt fails and the retry mints); in every other
     * case, a new token is minted.
     *
     * @throws IllegalArgumentException for a blank or malformed value, or a request re-entering a lease
     * @throws IllegalStateException when this Redlock is closed
     */
    public LockResult tryLock(LockRequest request, String value, boolean extend) {
        LockRequest.requireWellFormed("value", value);
        HeldLock same = held.find(request.resource(), value);
        if (extend && same != null) {
            // The call may shorten the keys of this process's lease of the same value, answered or not.
            same.cutTo(Validity.deadline(engine.ticker().nanoTime(), request.ttl().toNanos(), options.driftFactor()));
        }
        LockEngine.NodeCommand command = extend ? Node::acquireOrExtend : Node::acquire;
        LockEngine.Fencing fencing = new LockEngine.Fencing(extend, extend ? same : null);
        return awaitLock(start(request, value, true, command, fencing, false));
    }

    /**
     * Locks {@code resource} with a random value, making {@code retryCount + 1} attempts, and says
     * why when it fails.
     */
    public LockResult tryLock(String resource, Duration ttl) {
        return tryLock(resource, ttl, Duration.ZERO);
    }

    /**
     * Locks {@code resource} with a random value, retrying until it is acquired or {@code waitTime}
     * has passed (at least {@code retryCount + 1} attempts in any case). An interrupt stops the wait
     * with {@link LockFailure#INTERRUPTED}, leaving nothing held, and keeps the thread's interrupt flag.
     */
    public LockResult tryLock(String resource, Duration ttl, Duration waitTime) {
        return tryLock(LockRequest.of(resource, ttl).withWaitTime(waitTime));
    }

    /**
     * Locks as {@code request} says, with a random value; blocks like
     * {@link #tryLock(String, Duration, Duration)}. The lease's {@link Lease#release()} ends it as the
     * request asks (keep-alive, minimum hold).
     *
     * @throws IllegalStateException when this Redlock is closed
     */
    public LockResult tryLock(LockRequest request) {
        return awaitLock(start(request, Tokens.random(), false, Node::acquire, false));
    }

    /**
     * As {@link #tryLock(LockRequest)}, without blocking: a call that waits holds no thread (its
     * retries run on the engine's timer, woken by release notices; see {@code docs/waiting.md}).
     * The stage may complete on a Redis I/O
     * thread: do not block in dependent stages, use the {@code *Async} variants to move off it.
     * Cancelling its future stops the call; a lock granted all the same is released at once.
     */
    public CompletionStage<LockResult> tryLockAsync(LockRequest request) {
        return start(request, Tokens.random(), false, Node::acquire, false).result();
    }

    /**
     * Runs {@code work} under the lock {@code request} asks for, on the calling thread: takes the lock
     * (blocking like {@link #tryLock(LockRequest)}), runs the work only if the lock was acquired and
     * still has validity left when the work starts, then ends the lock as the request says (released,
     * or kept for its minimum hold; a keep-alive stops first), also when the work throws. Nothing runs
     * without its lock: a grant whose validity ran out before the work could start (a pause, a slow
     * listener) is released and reported as {@link LockFailure#VALIDITY_EXPIRED}. A request
     * {@link LockRequest#reentering re-entering} a lease runs the work at once under it and leaves it
     * held. Listeners are told the call's result as the work sees it, before it starts, and
     * {@link RedlockListener#running} hears of the work.
     *
     * <p>While the work runs, {@link #close()} does not release its lock: renewal stops and the key
     * expires with its TTL, so that no other instance runs the same work while this one still does.
     *
     * @return whether the work ran, and what it returned; otherwise why not
     * @throws E what the work threw, after the lock was ended
     * @throws IllegalStateException when this Redlock is closed
     */
    public <T extends @Nullable Object, E extends Throwable> LockedCall<T> execute(LockRequest request, LockedWork<T, E> work) throws E {
        return calls.execute(request, work);
    }

    /**
     * As {@link #execute(LockRequest, LockedWork)} for work that returns a stage: the lock is taken
     * and the work started on the calling thread (blocking while acquiring, like
     * {@link #tryLock(LockRequest)}), and the lock is held until the work's stage completes, then
     * ended as the request says. The returned stage completes after the lock was ended, with what
     * the work's stage completed with (exceptionally when it did). Cancelling the returned stage does
     * not end the lock early; a work stage that completes cancelled may still be running, so its lock
     * is kept until its key expires, unless the request {@link LockRequest#withReleaseOnCancel releases on cancel}.
     *
     * @throws E what the work threw while starting, after the lock was ended
     * @throws IllegalStateException when this Redlock is closed
     */
    public <T extends @Nullable Object, E extends Throwable> CompletionStage<LockedCall<T>> executeAsync(LockRequest request,
            LockedWork<? extends @Nullable CompletionStage<T>, E> work) throws E {
        return calls.executeAsync(request, work);
    }

    /**
     * As {@link #executeAsync(LockRequest, LockedWork)}, without blocking: the lock is acquired
     * asynchronously and the work started on {@code executor} once it was granted (with
     * {@code Runnable::run}, on the thread that completed the acquisition, possibly a Redis I/O
     * thread, where the work must only start something and return). Cancelling the returned stage
     * while acquiring stops the acquisition (a lock granted all the same is released at once); once
     * the work started, it does not end the lock early. What the work threw completes the returned
     * stage exceptionally, after its lock was ended.
     *
     * @throws IllegalStateException when this Redlock is closed
     */
    public <T extends @Nullable Object, E extends Throwable> CompletionStage<LockedCall<T>> executeAsync(LockRequest request,
            LockedWork<? extends @Nullable CompletionStage<T>, E> work, Executor executor) {
        return calls.executeAsync(request, work, executor);
    }

    private HeldLocks.Pending start(LockRequest request, String value, boolean knownValue, LockEngine.NodeCommand command,
            boolean deferGrantReport) {
        return start(request, value, knownValue, command, LockEngine.Fencing.NEW, deferGrantReport);
    }

    private HeldLocks.Pending start(LockRequest request, String value, boolean knownValue, LockEngine.NodeCommand command,
            LockEngine.Fencing fencing, boolean deferGrantReport) {
        if (request.reentry().isPresent()) {
            throw new IllegalArgumentException("a request re-entering a lease runs only in execute or executeAsync: "
                    + request);
        }
        requireValidityPossible(request.ttl());
        requireOpen();
        return held.acquire(request, value, knownValue, command, fencing, listeners.acquiring(request), deferGrantReport);
    }

    private static LockResult awaitLock(HeldLocks.Pending call) {
        try {
            return call.internalResult().get();
        } catch (InterruptedException e) {
            LockResult interrupted = call.cancel();
            Thread.currentThread().interrupt();
            return interrupted;
        } catch (ExecutionException e) {
            throw new IllegalStateException("lock attempt failed unexpectedly", e.getCause());
        }
    }

    /**
     * Ends {@code lease} as its request asked: {@link Lease#release()}.
     *
     * @return true when a quorum of nodes held it (the lock was still ours); false when it had
     *         expired or been taken over, too few nodes answered, or it was released before. Never
     *         throws for Redis errors.
     * @throws IllegalArgumentException for a lease granted by another Redlock
     */
    public boolean release(Lease lease) {
        return own(lease).lease().release();
    }

    /**
     * Releases {@code resource} on every node where it holds {@code value}, blocking for at most a
     * round of node commands. A lease of this Redlock holding that value ends with it (renewal and
     * fill-in stop first). Arguments that match no lock simply return false.
     */
    public boolean release(String resource, String value) {
        if (resource == null || resource.isBlank() || value == null || value.isBlank() || engine.nodes().isEmpty()
                || LockRequest.unpairedSurrogate(resource) >= 0 || LockRequest.unpairedSurrogate(value) >= 0) {
            return false;
        }
        HeldLock lock = held.find(resource, value);
        if (lock != null) {
            return lock.lease().release();
        }
        CompletableFuture<Boolean> release = engine.release(engine.key(resource), value).thenApply(replies -> {
            boolean released = LockEngine.confirmed(replies) >= engine.quorum();
            if (!listeners.isEmpty()) {
                listeners.released(new RedlockListener.Release(resource, released,
                        Ballot.outcomes(engine.addresses(), replies)));
            }
            return released;
        });
        return await(release, roundBound(options), false);
    }

    /**
     * Renews a held lease for a new {@code ttl}, on every node where it still holds its value
     * (re-creating it on nodes that lost it). Succeeds only with a quorum, and only while the lease is
     * still valid; the lease then has a new validity computed as for a lock. A renewal to a shorter
     * TTL than the validity left cuts the lease's validity to the new TTL as soon as it is sent,
     * whatever the outcome, since the nodes it reached have shortened the key; a renewal refused by a
     * quorum means the lock is gone, and the lease is no longer valid.
     *
     * @return the lease, renewed; or empty when not renewed
     * @throws IllegalArgumentException for a TTL below 1 ms, or a lease granted by another Redlock
     * @throws IllegalStateException when this Redlock is closed
     */
    public Optional<Lease> extend(Lease lease, Duration ttl) {
        long ttlMillis = LockRequest.requireTtl(ttl).toMillis();
        requireValidityPossible(ttl);
        HeldLock lock = own(lease);
        requireOpen();
        if (!lease.isValid()) {
            return Optional.empty();
        }
        boolean renewed = lock.awaitRounds(lock.renew(ttlMillis), 1, false);
        return renewed ? Optional.of(lease) : Optional.empty();
    }

    /** Rejects a TTL that the clock-drift allowance alone uses up: such a lock could never be granted. */
    private void requireValidityPossible(Duration ttl) {
        long ttlNanos = ttl.toNanos();
        if (Validity.driftNanos(ttlNanos, options.driftFactor()) >= ttlNanos) {
            throw new IllegalArgumentException("ttl " + ttl.toMillis() + " ms leaves no validity after the clock-drift"
                    + " allowance (2 ms plus driftFactor " + options.driftFactor() + " of the TTL), so it could never be"
                    + " granted: use a TTL of at least " + options.minimumTtl().toMillis() + " ms, in practice far more"
                    + " than a round trip to the servers");
        }
    }

    private HeldLock own(Lease lease) {
        if (lease == null) {
            throw new IllegalArgumentException("lease must not be null");
        }
        HeldLock lock = lease.held();
        if (!lock.ownedBy(held)) {
            throw new IllegalArgumentException("lease of '" + lease.resource() + "' was granted by another Redlock");
        }
        return lock;
    }

    /**
     * Adds a listener told about every later lock call, release, renewal and fill-in of this
     * Redlock, after those added before it.
     *
     * @throws IllegalArgumentException when null
     */
    public void addListener(RedlockListener listener) {
        listeners.add(listener);
    }

    /** Removes a listener added before (all its registrations); unknown ones are ignored. */
    public void removeListener(RedlockListener listener) {
        listeners.remove(listener);
    }

    /** Pings every node in parallel, each bounded by the per-node timeout. */
    public List<NodeHealth> checkNodes() {
        List<Node> nodes = engine.nodes();
        List<CompletableFuture<NodeReply>> pings = nodes.stream().map(Node::ping).toList();
        CompletableFuture<List<NodeHealth>> health = CompletableFuture.allOf(pings.toArray(CompletableFuture<?>[]::new))
                .thenApply(done -> {
                    List<NodeHealth> all = new ArrayList<>(nodes.size());
                    for (int i = 0; i < nodes.size(); i++) {
                        NodeReply reply = pings.get(i).join();
                        all.add(new NodeHealth(nodes.get(i).address(), reply.isOk(),
                                reply.isOk() && reply.latencyNanos() >= 0 ? Duration.ofNanos(reply.latencyNanos()) : null,
                                reply.detail()));
                    }
                    return all;
                });
        return await(health, roundBound(options), List.of());
    }

    /**
     * Fill-ins since start: after each grant the engine keeps setting the lease's key, in the
     * background, on the nodes that refused it or did not answer (only where the key is absent,
     * with a TTL that ends with the lease's validity), so that a lease stands on every reachable
     * node and survives up to {@code nodes - quorum} of them losing their keys. It stops on release.
     */
    public FillInCounts fillInCounts() {
        return engine.fillInCounts();
    }

    /** The number of nodes that must grant a lock: {@code N/2 + 1} of the configured nodes. */
    public int quorum() {
        return engine.quorum();
    }

    /** The configured nodes' addresses, passwords removed. */
    public List<String> nodes() {
        return engine.addresses();
    }

    /** The options this instance was built with. */
    public RedlockOptions options() {
        return options;
    }

    /** The leases granted by this instance that are neither released nor expired. */
    public List<Lease> heldLeases() {
        return held.leases();
    }

    /** The engine's waiting calls, their timers and subscriptions, for tests that check they end. */
    Waiters waiters() {
        return engine.waiters();
    }

    /** How many held locks the table keeps, for tests that check it stays bounded. */
    int heldTableSize() {
        return held.size();
    }

    /**
     * Ends every lock call in progress ({@link LockFailure#INTERRUPTED}; a grant arriving later is
     * released), then ends every lease this instance still holds without deleting its key: renewal
     * stops, the lease is reported {@link Lease#lost() lost}, and its keys expire with their TTL,
     * because its holder (work in {@link #execute}, a task holding the lease) may still be working
     * under it. Release leases before closing to free them at once. Then closes the connections (and
     * the Lettuce resources, unless they were shared). Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // Ending a lock waits for a renewal in flight, so allow two rounds.
        await(held.close().thenApply(done -> true), roundBound(options).multipliedBy(2), false);
        // The calls that waited leave the nodes' waiter queues before the connections close.
        await(engine.leftQueues().thenApply(done -> true), roundBound(options), false);
        engine.close();
        engine.nodes().forEach(Node::close);
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (ownedResources != null) {
            ownedResources.shutdown(0, 2, TimeUnit.SECONDS);
        }
        if (timeouts != null) {
            timeouts.stop();
        }
    }

    @Override
    public String toString() {
        return "Redlock[nodes=" + engine.addresses() + ", quorum=" + engine.quorum() + "]";
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this Redlock is closed");
        }
    }

    /** Bound for waiting on one round of node commands, which each time out by themselves. */
    static Duration roundBound(RedlockOptions options) {
        return options.timeout().multipliedBy(2).plusSeconds(1);
    }

    static <T> T await(CompletableFuture<T> future, Duration bound, T fallback) {
        try {
            return future.get(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fallback;
        } catch (ExecutionException | TimeoutException e) {
            return fallback;
        }
    }

    /** Builds a {@link Redlock}; every setting and its default is described in {@link RedlockOptions.Settings}. */
    public static final class Builder extends RedlockOptions.Settings<Builder> {

        private boolean fillIn = true;
        private final List<RedlockListener> listeners = new ArrayList<>();

        Builder() {
        }

        /**
         * Adds a listener, as {@link Redlock#addListener(RedlockListener)} does on the built Redlock;
         * none by default.
         *
         * @throws IllegalArgumentException when null
         */
        public Builder listener(RedlockListener listener) {
            if (listener == null) {
                throw new IllegalArgumentException("listener must not be null");
            }
            listeners.add(listener);
            return this;
        }

        /**
         * Validates the settings and connects.
         *
         * @throws IllegalArgumentException naming the first invalid setting (nothing is sent to Redis)
         * @throws RedlockConnectionException when fewer than a quorum of nodes can be reached and
         *         {@code requireQuorumOnStartup} is true (the default)
         * @throws InvalidRedlockSettingException also after connecting, when two entries of
         *         {@code servers} are the same Redis server under different addresses (the same
         *         {@code run_id} in {@code INFO server}) and {@code requireQuorumOnStartup} is true;
         *         when false, the later entry is not counted (every command on it fails) and a WARN
         *         names both. Fewer than 3 servers start with a WARN saying what the quorum tolerates.
         */
        public Redlock build() {
            Redlock redlock = new Redlock(toOptions(), fillIn);
            listeners.forEach(redlock::addListener);
            return redlock;
        }

        /** Not an option: lets the safety tests show what happens without fill-in (and without the places a lease keeps in waiter queues for it). */
        Builder withoutFillIn() {
            fillIn = false;
            return this;
        }
    }
}
