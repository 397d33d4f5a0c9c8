package io.github.redlock;

import io.github.redlock.internal.Jitter;
import io.github.redlock.internal.LettuceNode;
import io.github.redlock.internal.Node;
import io.github.redlock.internal.NodeReply;
import io.github.redlock.internal.Scheduler;
import io.github.redlock.internal.ServerAddress;
import io.github.redlock.internal.Ticker;
import io.github.redlock.internal.Tokens;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.util.HashedWheelTimer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
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
 * nodes are asked in parallel, each with its own timeout; a failed attempt is released on every
 * node before the next one. Instances are thread-safe; create one per application and close it on
 * shutdown, which first releases the leases still held.
 *
 * <p>The {@code lock}/{@code release} methods mirror the Perl module Redis::DistLock and report
 * failure as an empty {@link Optional} or {@code false}. The {@code tryLock} methods say why a
 * lock was not acquired, node by node. Bad arguments throw {@link IllegalArgumentException}
 * before anything is sent to Redis.
 */
public final class Redlock implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Redlock.class.getName());

    /** Below this, a minimum hold is over: Redis expires keys with millisecond precision. */
    private static final long MIN_HOLD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final RedlockOptions options;
    private final Ticker ticker;
    private final LockEngine engine;
    private final Listeners listeners = new Listeners();
    private final Map<Held, Lease> held = new ConcurrentHashMap<>();
    private final Set<KeepAlive> keepAlives = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final @Nullable RedisClient client;
    private final @Nullable HashedWheelTimer timeouts;
    private final @Nullable ClientResources ownedResources;

    private record Held(String resource, String value) {
    }

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
        ClientOptions.Builder clientOptions = ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                // A paused node keeps every command sent to it until it answers: bound them.
                .requestQueueSize(options.requestQueueSize())
                // Every command already times out on our wheel with the node timeout; Lettuce's own
                // per-command timer (60 s by default) would only add a second timeout to each.
                .timeoutOptions(TimeoutOptions.builder().timeoutCommands(false).build())
                .socketOptions(SocketOptions.builder().connectTimeout(options.connectTimeout()).keepAlive(true).build());
        if (options.sslOptions() != null) {
            clientOptions.sslOptions(options.sslOptions());
        }
        client.setOptions(clientOptions.build());
        List<LettuceNode> nodes = new ArrayList<>();
        for (ServerAddress address : options.addresses()) {
            nodes.add(new LettuceNode(client, address, options.timeout(), options.reconnectInterval(), ticker,
                    timeouts, resources.eventExecutorGroup()));
        }
        Scheduler scheduler = (task, delayNanos) ->
                resources.eventExecutorGroup().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        this.engine = new LockEngine(List.copyOf(nodes), options, ticker, scheduler, Jitter.RANDOM, this::newLease,
                listeners, fillIn);
        connect(nodes);
    }

    /** For tests of the algorithm against fake nodes and a manual clock. */
    Redlock(RedlockOptions options, List<Node> nodes, Ticker ticker, Scheduler scheduler, Jitter jitter) {
        this.options = options;
        this.ticker = ticker;
        this.client = null;
        this.timeouts = null;
        this.ownedResources = null;
        this.engine = new LockEngine(nodes, options, ticker, scheduler, jitter, this::newLease, listeners);
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
     */
    public static Redlock create(RedlockOptions options) {
        return new Redlock(options);
    }

    private void connect(List<LettuceNode> nodes) {
        List<CompletableFuture<NodeReply>> connects = nodes.stream().map(LettuceNode::connect).toList();
        List<NodeOutcome> outcomes = new ArrayList<>();
        long reachable = 0;
        // One deadline for all nodes: they connect in parallel, so waiting for each in turn with a
        // full bound would let N hanging handshakes (a paused node, TLS to a plain port) add up.
        long deadline = ticker.nanoTime() + options.connectTimeout().plusSeconds(1).toNanos();
        for (int i = 0; i < nodes.size(); i++) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - ticker.nanoTime()));
            NodeReply reply = await(connects.get(i), left,
                    NodeReply.timeout("no connection within " + options.connectTimeout().toMillis() + " ms"));
            outcomes.add(Ballot.outcome(nodes.get(i).address(), reply));
            reachable += reply.isOk() ? 1 : 0;
        }
        if (reachable < engine.quorum() && options.requireQuorumOnStartup()) {
            close();
            throw new RedlockConnectionException(engine.quorum(), outcomes);
        }
        if (reachable < nodes.size()) {
            LOG.log(Level.WARNING, "Redlock connected to {0} of {1} nodes (quorum {2}); the others are retried on use: {3}",
                    reachable, nodes.size(), engine.quorum(), outcomes);
        } else {
            LOG.log(Level.INFO, "Redlock connected to {0} nodes (quorum {1}): {2}",
                    nodes.size(), engine.quorum(), engine.addresses());
        }
    }

    /**
     * Locks {@code resource} for {@code ttl} with a random value (24 bytes from
     * {@link java.security.SecureRandom}, as 32 base64 characters), retrying as configured.
     *
     * @return the lease, or empty when the lock is held elsewhere or too few nodes answered
     * @throws IllegalArgumentException for a blank resource, one with an unpaired surrogate
     *         character (it has no UTF-8 encoding), or a TTL below 1 ms
     */
    public Optional<Lease> lock(String resource, Duration ttl) {
        return tryLock(resource, ttl, Duration.ZERO).lease();
    }

    /**
     * Locks {@code resource} for {@code ttl} with a known value (for example a host name), so it
     * can later be released by {@link #release(String, String)} without keeping the lease.
     */
    public Optional<Lease> lock(String resource, Duration ttl, String value) {
        return lock(resource, ttl, value, false);
    }

    /**
     * As {@link #lock(String, Duration, String)}; with {@code extend} true, a lock already held with
     * this same value is renewed for {@code ttl} instead of failing, and a free one is created. A lock
     * holding another value is never taken over. If the call fails it releases this value on every
     * node, so a failed renewal gives up the old lock too.
     */
    public Optional<Lease> lock(String resource, Duration ttl, String value, boolean extend) {
        LockRequest.requireWellFormed("value", value);
        LockEngine.NodeCommand command = extend ? Node::acquireOrExtend : Node::acquire;
        return awaitLock(start(LockRequest.of(resource, ttl), value, command)).lease();
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
     * {@link #tryLock(String, Duration, Duration)}.
     */
    public LockResult tryLock(LockRequest request) {
        return awaitLock(start(request, Tokens.random(), Node::acquire));
    }

    /**
     * As {@link #tryLock(String, Duration, Duration)}, without blocking. The stage may complete on a
     * Redis I/O thread: do not block in dependent stages, use the {@code *Async} variants to move off it.
     */
    public CompletionStage<LockResult> tryLockAsync(String resource, Duration ttl, Duration waitTime) {
        return tryLockAsync(LockRequest.of(resource, ttl).withWaitTime(waitTime));
    }

    /** As {@link #tryLock(LockRequest)}, without blocking; the same caveat as {@link #tryLockAsync(String, Duration, Duration)}. */
    public CompletionStage<LockResult> tryLockAsync(LockRequest request) {
        return start(request, Tokens.random(), Node::acquire).result();
    }

    private LockEngine.Acquisition start(LockRequest request, String value, LockEngine.NodeCommand command) {
        requireOpen();
        return engine.acquire(request.resource(), value, request.ttl().toMillis(), command, request.waitTime().toNanos(),
                request.retryWhenHeld(), listeners.acquiring(request));
    }

    private LockResult awaitLock(LockEngine.Acquisition acquisition) {
        try {
            return acquisition.result().get();
        } catch (InterruptedException e) {
            acquisition.cancel(this::releaseAsync);
            Thread.currentThread().interrupt();
            return acquisition.interrupted();
        } catch (ExecutionException e) {
            throw new IllegalStateException("lock attempt failed unexpectedly", e.getCause());
        }
    }

    /**
     * Releases the lease on every node where the key still holds its value.
     *
     * @return true when a quorum of nodes held it (the lock was still ours); false when it had
     *         expired or been taken over, or too few nodes answered. Never throws for Redis errors.
     */
    public boolean release(Lease lease) {
        return release(lease.resource(), lease.value());
    }

    /**
     * Releases {@code resource} on every node where it holds {@code value}. Arguments that match no
     * lock simply return false.
     */
    public boolean release(String resource, String value) {
        return await(releaseAsync(resource, value).toCompletableFuture(), releaseBound(), false);
    }

    /** As {@link #release(Lease)}, without blocking. */
    public CompletionStage<Boolean> releaseAsync(Lease lease) {
        return releaseAsync(lease.resource(), lease.value());
    }

    /** As {@link #release(String, String)}, without blocking. */
    public CompletionStage<Boolean> releaseAsync(String resource, String value) {
        if (resource == null || resource.isBlank() || value == null || value.isBlank() || engine.nodes().isEmpty()
                || LockRequest.unpairedSurrogate(resource) >= 0 || LockRequest.unpairedSurrogate(value) >= 0) {
            return CompletableFuture.completedFuture(false);
        }
        held.remove(new Held(resource, value));
        return engine.release(resource, value);
    }

    /**
     * Releases {@code lease} once it has been held for {@code minHoldTime}, counted from when the lock
     * was first granted (renewals keep that time): ShedLock's {@code lockAtLeastFor}. Blocks like
     * {@link #release(Lease)}.
     *
     * <p>When the hold is already over, this is {@link #release(Lease)}. Otherwise the lock is kept
     * and its key set to expire on every node exactly when the hold ends, and the lease no longer
     * counts as held: {@link #heldLeases()} omits it and {@link #close()} leaves it to expire, so that
     * an application stopped right after a short scheduled run still keeps that run's hold. Should
     * too few nodes confirm the shorter expiry, a release is sent when the hold ends instead (the key
     * otherwise keeps its TTL, which is longer, so the hold holds either way).
     *
     * @return true when the lock was released or kept on a quorum of nodes; false when it had
     *         expired or been taken over, or too few nodes answered. Never throws for Redis errors.
     * @throws IllegalArgumentException when {@code minHoldTime} is negative
     */
    public boolean release(Lease lease, Duration minHoldTime) {
        return await(releaseAsync(lease, minHoldTime).toCompletableFuture(), releaseBound(), false);
    }

    /** As {@link #release(Lease, Duration)}, without blocking. */
    public CompletionStage<Boolean> releaseAsync(Lease lease, Duration minHoldTime) {
        if (minHoldTime == null || minHoldTime.isNegative()) {
            throw new IllegalArgumentException("minHoldTime must be zero or positive, got " + minHoldTime);
        }
        long holdLeftNanos = lease.acquiredAtNanos() + minHoldTime.toNanos() - ticker.nanoTime();
        if (holdLeftNanos < MIN_HOLD_NANOS) {
            return releaseAsync(lease);
        }
        held.remove(new Held(lease.resource(), lease.value()));
        if (!lease.isValid()) {
            listeners.released(new RedlockListener.Release(lease.resource(), false, List.of()));
            return CompletableFuture.completedFuture(false);
        }
        if (holdLeftNanos >= lease.remaining().toNanos()) {
            listeners.released(new RedlockListener.Release(lease.resource(), true, List.of()));
            return CompletableFuture.completedFuture(true); // the key expires with its TTL, at about the hold's end
        }
        return engine.shorten(lease, TimeUnit.NANOSECONDS.toMillis(holdLeftNanos)).thenApply(shortened -> {
            if (!shortened) {
                engine.schedule(() -> engine.releaseAll(engine.key(lease.resource()), lease.value()), holdLeftNanos);
            }
            return shortened;
        });
    }

    /**
     * Renews a held lease for a new {@code ttl}, on every node where it still holds its value.
     * Succeeds only with a quorum, and only while {@code lease} is still valid; the returned lease
     * has a new validity computed as for a lock.
     *
     * @return the renewed lease, or empty (then {@code lease} is unchanged and expires as before)
     */
    public Optional<Lease> extend(Lease lease, Duration ttl) {
        return await(extendAsync(lease, ttl).toCompletableFuture(), releaseBound(), Optional.empty());
    }

    /** As {@link #extend(Lease, Duration)}, without blocking. */
    public CompletionStage<Optional<Lease>> extendAsync(Lease lease, Duration ttl) {
        long ttlMillis = LockRequest.requireTtl(ttl).toMillis();
        requireOpen();
        if (!lease.isValid()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return engine.extend(lease, ttlMillis);
    }

    /**
     * Keeps {@code lease} renewed to {@code ttl} until the returned handle is released: the lease no
     * longer runs out while its holder works, however long that takes. Renewals run asynchronously
     * on this engine's timer and Redis I/O threads, about every {@code ttl / 3}, with no thread per
     * lease, so thousands of leases are renewed on time; see {@link KeepAlive} for when a lock counts
     * as lost. Release the handle (or {@link KeepAlive#close() close} it in try-with-resources)
     * instead of the lease, so no renewal runs after the release. {@link #close()} stops every
     * keep-alive and releases its lease.
     *
     * <pre>{@code
     * try (KeepAlive kept = redlock.keepAlive(lease, Duration.ofSeconds(30))) {
     *     kept.lost().thenAccept(last -> log.warn("lost " + last.resource()));
     *     longJob(); // check kept.isHeld() before each step that must not run without the lock
     * }
     * }</pre>
     *
     * <p>A lease that has already run out gives a handle that is lost at once.
     *
     * @param lease a lease granted by this Redlock
     * @param ttl the TTL each renewal sets; at least 3 ms, so that renewals are at least 1 ms apart
     * @throws IllegalArgumentException for a null lease, one granted by another Redlock, or a TTL
     *         below 3 ms
     * @throws IllegalStateException when this Redlock is closed
     */
    public KeepAlive keepAlive(Lease lease, Duration ttl) {
        if (lease == null) {
            throw new IllegalArgumentException("lease must not be null");
        }
        if (lease.owner() != this) {
            throw new IllegalArgumentException("lease of '" + lease.resource() + "' was granted by another Redlock");
        }
        if (LockRequest.requireTtl(ttl).toMillis() < 3) {
            throw new IllegalArgumentException("ttl of a keep-alive must be at least 3 ms, got " + ttl);
        }
        requireOpen();
        KeepAlive keepAlive = new KeepAlive(this, engine, lease, ttl);
        keepAlives.add(keepAlive);
        if (closed.get()) {
            keepAlives.remove(keepAlive);
            throw new IllegalStateException("this Redlock is closed");
        }
        keepAlive.start();
        return keepAlive;
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

    /** Called by a keep-alive that stopped renewing. */
    void forget(KeepAlive keepAlive) {
        keepAlives.remove(keepAlive);
    }

    /** Waits for {@code future} up to {@code rounds} rounds of node commands. */
    <T> T awaitRound(CompletableFuture<T> future, int rounds, T fallback) {
        return await(future, releaseBound().multipliedBy(rounds), fallback);
    }

    /** Pings every node in parallel, each bounded by the per-node timeout. */
    public List<NodeHealth> checkNodes() {
        return await(checkNodesAsync().toCompletableFuture(), releaseBound(), List.of());
    }

    /** As {@link #checkNodes()}, without blocking. */
    public CompletionStage<List<NodeHealth>> checkNodesAsync() {
        List<Node> nodes = engine.nodes();
        List<CompletableFuture<NodeReply>> pings = nodes.stream().map(Node::ping).toList();
        return CompletableFuture.allOf(pings.toArray(CompletableFuture<?>[]::new)).thenApply(done -> {
            List<NodeHealth> health = new ArrayList<>(nodes.size());
            for (int i = 0; i < nodes.size(); i++) {
                NodeReply reply = pings.get(i).join();
                health.add(new NodeHealth(nodes.get(i).address(), reply.isOk(),
                        reply.isOk() && reply.latencyNanos() >= 0 ? Duration.ofNanos(reply.latencyNanos()) : null,
                        reply.detail()));
            }
            return health;
        });
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
        held.values().removeIf(lease -> !lease.isValid());
        return List.copyOf(held.values());
    }

    /**
     * Stops every {@link KeepAlive} (their {@link KeepAlive#lost()} completes), releases every lease
     * this instance still holds, then closes the connections (and the Lettuce resources, unless they
     * were shared). Leases released with a minimum hold still to run are left to expire when it ends.
     * Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<KeepAlive> stopping = new ArrayList<>();
        List<CompletableFuture<?>> renewals = new ArrayList<>();
        for (KeepAlive keepAlive : List.copyOf(keepAlives)) {
            CompletableFuture<?> inFlight = keepAlive.stop();
            if (inFlight != null) {
                stopping.add(keepAlive);
                renewals.add(inFlight);
            }
        }
        // Renewals in flight end within a round; the leases they renew are then the ones released.
        await(CompletableFuture.allOf(renewals.toArray(CompletableFuture<?>[]::new)).thenApply(done -> true),
                releaseBound(), false);
        List<CompletableFuture<Boolean>> releases = new ArrayList<>();
        for (Lease lease : heldLeases()) {
            releases.add(releaseAsync(lease).toCompletableFuture());
        }
        await(CompletableFuture.allOf(releases.toArray(CompletableFuture<?>[]::new)).thenApply(done -> true),
                releaseBound(), false);
        stopping.forEach(KeepAlive::closedUnder);
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

    private Lease newLease(String resource, String value, long acquiredAtNanos, long grantedAtNanos, long validUntilNanos) {
        Lease lease = new Lease(this, ticker, resource, value, acquiredAtNanos, grantedAtNanos, validUntilNanos);
        held.put(new Held(resource, value), lease);
        return lease;
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this Redlock is closed");
        }
    }

    /** Bound for waiting on one round of node commands, which each time out by themselves. */
    private Duration releaseBound() {
        return options.timeout().multipliedBy(2).plusSeconds(1);
    }

    private static <T> T await(CompletableFuture<T> future, Duration bound, T fallback) {
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
         */
        public Redlock build() {
            Redlock redlock = new Redlock(toOptions(), fillIn);
            listeners.forEach(redlock::addListener);
            return redlock;
        }

        /** Not an option: lets the safety tests show what happens without fill-in. */
        Builder withoutFillIn() {
            fillIn = false;
            return this;
        }
    }
}
