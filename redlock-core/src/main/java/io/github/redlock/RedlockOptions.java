package io.github.redlock;

import io.github.redlock.internal.Validity;
import io.github.redlock.internal.ServerAddress;
import io.lettuce.core.SslOptions;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Immutable settings of a {@link Redlock}. Build with {@link #builder()} (or directly with
 * {@link Redlock#builder()}); every setter states its default. Invalid values are rejected by
 * {@code build()} with an {@link IllegalArgumentException} naming the setting; nothing is sent to
 * Redis before that.
 *
 * @throws InvalidRedlockSettingException from {@code build()}, naming the setting (and, for a
 *         server, its index in the list)
 */
public final class RedlockOptions {

    // The one definition of each default: the builders, the Spring Boot properties and their
    // metadata start from these; a test checks the README's table against them.

    /** Default of {@link Settings#retryCount(int)}. */
    public static final int DEFAULT_RETRY_COUNT = 3;
    /** Default of {@link Settings#retryDelay(Duration)}. */
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofMillis(200);
    /** Default of {@link Settings#retryJitter(Duration)}. */
    public static final Duration DEFAULT_RETRY_JITTER = Duration.ofMillis(100);
    /** Default of {@link Settings#driftFactor(double)}. */
    public static final double DEFAULT_DRIFT_FACTOR = 0.01;
    /** Default of {@link Settings#timeout(Duration)}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(100);
    /** Default of {@link Settings#connectTimeout(Duration)}. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Default of {@link Settings#reconnectInterval(Duration)}. */
    public static final Duration DEFAULT_RECONNECT_INTERVAL = Duration.ofSeconds(1);
    /**
     * The end of the fencing counter's key, {@link #fencingCounterKey()}: the key prefix followed by
     * this. No lock key may end with it (a resource that would make one is refused), so the counter
     * of one prefix is never the lock key of another.
     */
    public static final String FENCING_COUNTER_SUFFIX = "#redlock-fencing-counter";

    /** Default of {@link Settings#keyPrefix(String)}: none. */
    public static final String DEFAULT_KEY_PREFIX = "";
    /** Default of {@link Settings#requireQuorumOnStartup(boolean)}. */
    public static final boolean DEFAULT_REQUIRE_QUORUM_ON_STARTUP = true;
    /** Default of {@link Settings#requestQueueSize(int)}. */
    public static final int DEFAULT_REQUEST_QUEUE_SIZE = 20_000;
    /** Default of {@link Settings#fencingQuarantine(Duration)}. */
    public static final Duration DEFAULT_FENCING_QUARANTINE = Duration.ofSeconds(60);

    private final List<RedisServer> servers;
    private final int retryCount;
    private final Duration retryDelay;
    private final Duration retryJitter;
    private final double driftFactor;
    private final Duration timeout;
    private final Duration connectTimeout;
    private final Duration reconnectInterval;
    private final int requestQueueSize;
    private final String keyPrefix;
    private final boolean requireQuorumOnStartup;
    private final @Nullable ClientResources clientResources;
    private final @Nullable SslOptions sslOptions;
    private final Duration fencingQuarantine;
    private final Set<FencingFault> fencingFaults;

    private RedlockOptions(Settings<?> s) {
        this.servers = servers(s.servers);
        this.retryCount = requireAtLeast("retryCount", s.retryCount, 0);
        this.retryDelay = requireNonNegative("retryDelay", s.retryDelay);
        this.retryJitter = requireNonNegative("retryJitter", s.retryJitter);
        if (!(s.driftFactor >= 0 && s.driftFactor < 1)) {
            throw new InvalidRedlockSettingException("driftFactor", "must be at least 0 and below 1, got " + s.driftFactor);
        }
        this.driftFactor = s.driftFactor;
        this.timeout = requirePositive("timeout", s.timeout);
        this.connectTimeout = requirePositive("connectTimeout", s.connectTimeout);
        this.reconnectInterval = requirePositive("reconnectInterval", s.reconnectInterval);
        this.requestQueueSize = requireAtLeast("requestQueueSize", s.requestQueueSize, 1);
        if (s.keyPrefix == null) {
            throw new InvalidRedlockSettingException("keyPrefix", "must not be null");
        }
        this.keyPrefix = s.keyPrefix;
        this.requireQuorumOnStartup = s.requireQuorumOnStartup;
        this.clientResources = s.clientResources;
        this.sslOptions = s.sslOptions;
        this.fencingQuarantine = requireNonNegative("fencingQuarantine", s.fencingQuarantine);
        if (fencingQuarantine.compareTo(MAX_FENCING_QUARANTINE) > 0) {
            throw new InvalidRedlockSettingException("fencingQuarantine", "must be at most " + MAX_FENCING_QUARANTINE.toDays()
                    + " days, got " + fencingQuarantine);
        }
        this.fencingFaults = s.fencingFaults.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(s.fencingFaults));
    }

    /** The longest fencing quarantine accepted: far beyond any use, and safe in microseconds inside a script. */
    private static final Duration MAX_FENCING_QUARANTINE = Duration.ofDays(365);

    /**
     * The one check of the server list: parses every URI and rejects an empty list, a missing entry
     * or the same host and port twice (one server would then count two votes towards the quorum).
     * Errors name the entry's index.
     */
    private static List<RedisServer> servers(List<?> entries) {
        if (entries.isEmpty()) {
            throw new InvalidRedlockSettingException("servers",
                    "at least one Redis server is required (3 or 5 independent masters advised)");
        }
        List<RedisServer> servers = new ArrayList<>(entries.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            Object entry = entries.get(i);
            RedisServer server;
            try {
                server = entry instanceof RedisServer given ? given : RedisServer.parse((String) entry);
            } catch (IllegalArgumentException e) {
                throw new InvalidRedlockSettingException("servers", i, String.valueOf(e.getMessage()));
            }
            if (!seen.add(server.identity())) {
                throw new InvalidRedlockSettingException("servers", i, "Redis server " + server.address()
                        + " is listed twice; each server may appear once, or it would count two votes towards the quorum");
            }
            servers.add(server);
        }
        return List.copyOf(servers);
    }

    /** A builder of options; {@link Redlock#builder()} offers the same settings and builds the engine. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
        return new Builder().options(this);
    }

    /** The Redis servers, in order (their {@code toString()} masks passwords). */
    public List<RedisServer> servers() {
        return servers;
    }

    /** The servers as the nodes connect to them. */
    List<ServerAddress> addresses() {
        return servers.stream().map(RedisServer::toAddress).toList();
    }

    public int retryCount() {
        return retryCount;
    }

    public Duration retryDelay() {
        return retryDelay;
    }

    public Duration retryJitter() {
        return retryJitter;
    }

    public double driftFactor() {
        return driftFactor;
    }

    /**
     * The shortest TTL, in whole milliseconds, that leaves any validity after this engine's
     * clock-drift allowance (2 ms plus {@link #driftFactor()} of the TTL): 3 ms with the default
     * drift factor. A shorter TTL could never be granted and is refused.
     */
    public Duration minimumTtl() {
        return minimumTtl(driftFactor);
    }

    /** The largest {@link #minimumTtl(double)}: 50 years, the longest TTL or wait accepted anywhere. */
    private static final long LONGEST_MINIMUM_TTL_MILLIS = Duration.ofDays(365L * 50).toMillis();

    /**
     * The shortest TTL, in whole milliseconds, that leaves any validity after the clock-drift
     * allowance of {@code driftFactor} (at least 0 and below 1; other values are read as the default).
     */
    public static Duration minimumTtl(double driftFactor) {
        double factor = driftFactor >= 0 && driftFactor < 1 ? driftFactor : DEFAULT_DRIFT_FACTOR;
        // ttl - (ttl * factor + fixed) > 0 from ttl > fixed / (1 - factor): start just below, step up.
        double bound = Validity.driftNanos(0, factor) / (1_000_000d * (1 - factor));
        if (bound >= LONGEST_MINIMUM_TTL_MILLIS) { // a factor so close to 1 that no sane TTL has validity
            return Duration.ofMillis(LONGEST_MINIMUM_TTL_MILLIS);
        }
        long millis = Math.max(1, (long) bound);
        while (Validity.driftNanos(millis * 1_000_000L, factor) >= millis * 1_000_000L) {
            millis++;
        }
        return Duration.ofMillis(millis);
    }

    public Duration timeout() {
        return timeout;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration reconnectInterval() {
        return reconnectInterval;
    }

    public int requestQueueSize() {
        return requestQueueSize;
    }

    public String keyPrefix() {
        return keyPrefix;
    }

    public boolean requireQuorumOnStartup() {
        return requireQuorumOnStartup;
    }

    public @Nullable ClientResources clientResources() {
        return clientResources;
    }

    public @Nullable SslOptions sslOptions() {
        return sslOptions;
    }

    /** How long a node that lost its fencing counter mints no token ({@link Settings#fencingQuarantine(Duration)}). */
    public Duration fencingQuarantine() {
        return fencingQuarantine;
    }

    /**
     * The Redis key of the fencing counter on every node: the {@link #keyPrefix()} followed by
     * {@link #FENCING_COUNTER_SUFFIX} ({@code lock:#redlock-fencing-counter} for the prefix
     * {@code lock:}). No lock key ends with that suffix (a resource that would make one is refused
     * with {@link IllegalArgumentException}), so it is never a lock key under any prefix; an ACL key
     * pattern such as {@code ~lock:*} covers it, and so does every {@code lock:*} cleanup pattern:
     * exclude it. A hash with the field {@code counter} (and {@code lost_at}, in node microseconds,
     * once a fenced call found the counter missing there); it has no TTL and must never be deleted
     * or evicted.
     */
    public String fencingCounterKey() {
        return keyPrefix + FENCING_COUNTER_SUFFIX;
    }

    /** The faults the fencing protocol makes: empty except in the falsification suite's negative controls. */
    Set<FencingFault> fencingFaults() {
        return fencingFaults;
    }

    /** Lists the servers with passwords removed. */
    @Override
    public String toString() {
        return "RedlockOptions[servers=" + servers.stream().map(RedisServer::address).toList() + ", retryCount=" + retryCount + ", retryDelay=" + retryDelay
                + ", retryJitter=" + retryJitter + ", driftFactor=" + driftFactor + ", timeout=" + timeout
                + ", connectTimeout=" + connectTimeout + ", requestQueueSize=" + requestQueueSize + ", keyPrefix='" + keyPrefix + "', requireQuorumOnStartup="
                + requireQuorumOnStartup + ", fencingQuarantine=" + fencingQuarantine
                + (fencingFaults.isEmpty() ? "" : ", fencingFaults=" + fencingFaults) + (sslOptions != null ? ", sslOptions=custom" : "") + "]";
    }

    private static int requireAtLeast(String name, int value, int min) {
        if (value < min) {
            throw new InvalidRedlockSettingException(name, "must be at least " + min + ", got " + value);
        }
        return value;
    }

    private static Duration requireNonNegative(String name, @Nullable Duration value) {
        if (value == null || value.isNegative()) {
            throw new InvalidRedlockSettingException(name, "must be zero or positive, got " + value);
        }
        return value;
    }

    private static Duration requirePositive(String name, @Nullable Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new InvalidRedlockSettingException(name, "must be positive, got " + value);
        }
        return value;
    }

    /** The settings shared by {@link Builder} and {@link Redlock.Builder}. */
    public abstract static class Settings<B extends Settings<B>> {

        /** Strings (URIs, parsed by build()) or RedisServers; a null entry is reported by build(). */
        private List<?> servers = List.of();
        private int retryCount = DEFAULT_RETRY_COUNT;
        private @Nullable Duration retryDelay = DEFAULT_RETRY_DELAY;
        private @Nullable Duration retryJitter = DEFAULT_RETRY_JITTER;
        private double driftFactor = DEFAULT_DRIFT_FACTOR;
        private @Nullable Duration timeout = DEFAULT_TIMEOUT;
        private @Nullable Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private @Nullable Duration reconnectInterval = DEFAULT_RECONNECT_INTERVAL;
        private int requestQueueSize = DEFAULT_REQUEST_QUEUE_SIZE;
        private @Nullable String keyPrefix = DEFAULT_KEY_PREFIX;
        private boolean requireQuorumOnStartup = DEFAULT_REQUIRE_QUORUM_ON_STARTUP;
        private @Nullable ClientResources clientResources;
        private @Nullable SslOptions sslOptions;
        private @Nullable Duration fencingQuarantine = DEFAULT_FENCING_QUARANTINE;
        private Set<FencingFault> fencingFaults = Set.of();

        Settings() {
        }

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /**
         * The independent Redis masters, as {@code redis://[user:password@]host:port[/db]} or
         * {@code rediss://} URIs, read by {@link RedisServer#parse(String)}. Required; an odd number
         * (3 or 5) is advised. Each host and port may appear once. Replaces the servers set before;
         * {@code build()} reports a bad entry with its index.
         */
        public B servers(String... servers) {
            return servers(Arrays.asList(servers));
        }

        /** As {@link #servers(String...)}. */
        public B servers(List<String> servers) {
            return entries(servers);
        }

        /** The independent Redis masters, as {@link #servers(String...)} but already built. */
        public B servers(RedisServer... servers) {
            return entries(Arrays.asList(servers));
        }

        /**
         * As {@link #servers(RedisServer...)}. (A {@code Collection}, so that it can stand beside
         * {@link #servers(List)} of URIs.)
         */
        public B servers(Collection<? extends RedisServer> servers) {
            return entries(servers);
        }

        private B entries(Collection<?> servers) {
            // Not List.copyOf: a null entry is reported by build() with its index, like a blank one.
            Objects.requireNonNull(servers, "servers must not be null");
            this.servers = Collections.unmodifiableList(new ArrayList<>(servers));
            return self();
        }

        /**
         * Retries after a failed attempt; default {@value RedlockOptions#DEFAULT_RETRY_COUNT}, so 4
         * attempts in all. 0 means exactly one attempt.
         */
        public B retryCount(int retryCount) {
            this.retryCount = retryCount;
            return self();
        }

        /** Base delay before a retry; default 200 ms. */
        public B retryDelay(Duration retryDelay) {
            this.retryDelay = retryDelay;
            return self();
        }

        /** Upper bound of the random delay added to each retry so competing clients fall out of step; default 100 ms. */
        public B retryJitter(Duration retryJitter) {
            this.retryJitter = retryJitter;
            return self();
        }

        /** Share of the TTL allowed for clock drift between nodes (plus 2 ms); default {@value RedlockOptions#DEFAULT_DRIFT_FACTOR}. */
        public B driftFactor(double driftFactor) {
            this.driftFactor = driftFactor;
            return self();
        }

        /**
         * How long a node may stay silent before a command to it times out; default 100 ms. Keep it
         * far below your TTLs. It counts from when the command was written to the node's connection,
         * is extended while the node's replies to earlier commands keep arriving on it (the node
         * answers, the command is only queued; failures of this client never count as replies), up to
         * one second past the timeout at most, and fires only once the connection's I/O thread keeps
         * up with its reads: a burst that keeps this JVM busy does not look like a dead node, while a
         * paused or partitioned one costs one timeout per attempt. Timeouts fire on a timer wheel with
         * a 10 ms tick, so a silent node is given up after {@code timeout} plus up to about one tick
         * (more when the machine is overloaded); a command this JVM could not even write is given up
         * one second after its timeout. A connection that stays silent (three such timeouts in a row,
         * at least five seconds without a reply) is closed and replaced.
         */
        public B timeout(Duration timeout) {
            this.timeout = timeout;
            return self();
        }

        /** How long to wait for a node's connection (at start-up and when reconnecting); default 2 s. */
        public B connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return self();
        }

        /**
         * Minimum time between connection attempts to a node: one that was down at start-up, or whose
         * connection closed or went silent (it is reconnected in the background, without waiting for
         * a call); default 1 s.
         */
        public B reconnectInterval(Duration reconnectInterval) {
            this.reconnectInterval = reconnectInterval;
            return self();
        }

        /**
         * The most commands one node may have waiting for a reply (or to be written); default
         * {@value RedlockOptions#DEFAULT_REQUEST_QUEUE_SIZE}. It bounds the memory a paused or
         * unreachable node can hold while commands keep coming: commands past it fail at once, as an
         * ERROR of that node in the outcome ("Request queue size exceeded"), and the others go on
         * without it. Raise it if a single burst sends more commands than this to one node.
         */
        public B requestQueueSize(int requestQueueSize) {
            this.requestQueueSize = requestQueueSize;
            return self();
        }

        /**
         * Prepended to every resource name to form the Redis key; default empty, so keys equal
         * resource names and interoperate with other Redlock clients. A prefix such as {@code "lock:"}
         * keeps lock keys apart from application keys and allows ACL key patterns.
         */
        public B keyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
            return self();
        }

        /**
         * Whether building fails with {@link RedlockConnectionException} when fewer than a quorum
         * of nodes can be reached; default true. With false, building succeeds and unreachable
         * nodes are connected later.
         */
        public B requireQuorumOnStartup(boolean requireQuorumOnStartup) {
            this.requireQuorumOnStartup = requireQuorumOnStartup;
            return self();
        }

        /**
         * Lettuce resources (event loops, timers) to share, for example Spring Boot's; default none,
         * so the engine creates its own and shuts them down on close. Shared resources are not shut down.
         */
        public B clientResources(@Nullable ClientResources clientResources) {
            this.clientResources = clientResources;
            return self();
        }

        /**
         * TLS settings for {@code rediss://} servers, as Lettuce {@link SslOptions}: typically a
         * truststore holding your own CA, for example
         * {@code SslOptions.builder().jdkSslProvider().trustManager(new File("ca.crt")).build()}, or a
         * client certificate. Default none: the JVM's default truststore. Either way the server's
         * certificate and host name are fully verified ({@code rediss://}); plain {@code redis://}
         * servers ignore this setting.
         */
        public B sslOptions(@Nullable SslOptions sslOptions) {
            this.sslOptions = sslOptions;
            return self();
        }

        /**
         * How long a node that lost its fencing counter (a restart without persistence, FLUSHALL,
         * eviction, or a brand-new server) refuses to mint fencing tokens for this client, counted
         * from when any client's fenced call found the counter missing there (the node records it,
         * whatever that client's setting); default 60 s, and never shorter than the largest TTL this
         * client has used for a fenced call. Set it to at least the largest TTL any client uses on
         * these servers, plus the largest clock difference between them: a node that rejoins empty
         * can then not hand out a token lower than one it confirmed before. {@link Duration#ZERO}
         * turns the wait off for this client only (the time floor still applies; a warning is logged
         * at startup): other clients keep their own quarantine.
         * Only fenced requests ({@link LockRequest#withFencing()}) are affected; a new deployment
         * waits one quarantine before its first fenced lock, unless each server's counter is seeded
         * (docs/fencing.md).
         */
        public B fencingQuarantine(Duration fencingQuarantine) {
            this.fencingQuarantine = fencingQuarantine;
            return self();
        }

        /**
         * For tests only (the fencing falsification suite's negative controls): makes the fencing
         * protocol skip a step it needs, so that a test can show the contract breaking without it.
         * Default empty. Never public, never to be set outside tests.
         */
        B fencingFaults(Set<FencingFault> fencingFaults) {
            this.fencingFaults = Set.copyOf(fencingFaults);
            return self();
        }

        /** Copies every setting from {@code options}. */
        public B options(RedlockOptions options) {
            this.servers = options.servers;
            this.retryCount = options.retryCount;
            this.retryDelay = options.retryDelay;
            this.retryJitter = options.retryJitter;
            this.driftFactor = options.driftFactor;
            this.timeout = options.timeout;
            this.connectTimeout = options.connectTimeout;
            this.reconnectInterval = options.reconnectInterval;
            this.requestQueueSize = options.requestQueueSize;
            this.keyPrefix = options.keyPrefix;
            this.requireQuorumOnStartup = options.requireQuorumOnStartup;
            this.clientResources = options.clientResources;
            this.sslOptions = options.sslOptions;
            this.fencingQuarantine = options.fencingQuarantine;
            this.fencingFaults = options.fencingFaults;
            return self();
        }

        /** Validates the settings into immutable options. */
        protected final RedlockOptions toOptions() {
            return new RedlockOptions(this);
        }
    }

    /** Builds {@link RedlockOptions}. */
    public static final class Builder extends Settings<Builder> {

        Builder() {
        }

        /** @throws IllegalArgumentException naming the first invalid setting */
        public RedlockOptions build() {
            return toOptions();
        }
    }
}
