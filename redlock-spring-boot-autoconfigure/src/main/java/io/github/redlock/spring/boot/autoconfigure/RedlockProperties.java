package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.RedlockOptions;
import io.github.redlock.spring.support.DistributedLockAdvisor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of Redlock ({@code redlock.*}). Durations take Spring Boot's forms ({@code 200ms},
 * {@code 10s}, {@code PT0.2S}); a plain number is milliseconds. The engine's settings start from
 * the core's defaults ({@link RedlockOptions}); the configuration metadata states them too
 * ({@code additional-spring-configuration-metadata.json}), and a test keeps both and the README in step.
 */
@ConfigurationProperties("redlock")
public class RedlockProperties {

    /**
     * Whether to create the Redlock engine and its beans. When false, @DistributedLock methods are
     * skipped (or throw, under THROW) instead of running without their lock.
     */
    private boolean enabled = true;

    /**
     * URIs of the independent Redis masters, as redis://[user:password@]host:port[/db] or rediss://.
     * An odd number (3 or 5) is advised; a lock needs a majority of them. When empty and Spring Data
     * Redis is configured, its single server is used (not fault-tolerant).
     */
    private List<String> servers = new ArrayList<>();

    /** Retries after a failed lock attempt (so retry-count + 1 attempts); 0 makes a single attempt. */
    private int retryCount = RedlockOptions.DEFAULT_RETRY_COUNT;

    /** Base delay before each retry of a lock attempt. */
    private Duration retryDelay = RedlockOptions.DEFAULT_RETRY_DELAY;

    /** Upper bound of the random delay added to each retry, so competing instances fall out of step. */
    private Duration retryJitter = RedlockOptions.DEFAULT_RETRY_JITTER;

    /** Share of the TTL allowed for clock drift between nodes (plus 2 ms); at least 0 and below 1. */
    private double driftFactor = RedlockOptions.DEFAULT_DRIFT_FACTOR;

    /**
     * How long a server may stay silent after a command was written to it before the command times
     * out. Keep it far below your TTLs.
     */
    private Duration timeout = RedlockOptions.DEFAULT_TIMEOUT;

    /** How long to wait for a node's connection, at startup and when reconnecting. */
    private Duration connectTimeout = RedlockOptions.DEFAULT_CONNECT_TIMEOUT;

    /** Minimum time between connection attempts to a node that was down at startup. */
    private Duration reconnectInterval = RedlockOptions.DEFAULT_RECONNECT_INTERVAL;

    /**
     * The most commands one server may have waiting for a reply. Bounds the memory a paused or
     * unreachable server holds; commands past it fail at once as that server's error.
     */
    private int requestQueueSize = RedlockOptions.DEFAULT_REQUEST_QUEUE_SIZE;

    /**
     * Prepended to every resource to form the Redis key, for example "lock:" to keep lock keys apart
     * from application keys. Empty by default, so keys equal resource names.
     */
    private String keyPrefix = RedlockOptions.DEFAULT_KEY_PREFIX;

    /**
     * Whether startup fails when fewer than a majority of the servers can be reached. When false, the
     * application starts and unreachable servers are connected later.
     */
    private boolean requireQuorumOnStartup = RedlockOptions.DEFAULT_REQUIRE_QUORUM_ON_STARTUP;

    /** TTL of @DistributedLock methods that do not set their own (ttl = 0). */
    private Duration defaultTtl = Duration.ofSeconds(30);

    private final Advice advice = new Advice();

    private final Fencing fencing = new Fencing();
    private final Ssl ssl = new Ssl();

    private final Health health = new Health();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public List<String> getServers() {
        return servers;
    }

    public void setServers(List<String> servers) {
        this.servers = servers;
    }

    public int getRetryCount() {
        return retryCount;
    }

    public void setRetryCount(int retryCount) {
        this.retryCount = retryCount;
    }

    public Duration getRetryDelay() {
        return retryDelay;
    }

    public void setRetryDelay(Duration retryDelay) {
        this.retryDelay = retryDelay;
    }

    public Duration getRetryJitter() {
        return retryJitter;
    }

    public void setRetryJitter(Duration retryJitter) {
        this.retryJitter = retryJitter;
    }

    public double getDriftFactor() {
        return driftFactor;
    }

    public void setDriftFactor(double driftFactor) {
        this.driftFactor = driftFactor;
    }

    public Duration getTimeout() {
        return timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    public Duration getConnectTimeout() {
        return connectTimeout;
    }

    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public int getRequestQueueSize() {
        return requestQueueSize;
    }

    public void setRequestQueueSize(int requestQueueSize) {
        this.requestQueueSize = requestQueueSize;
    }

    public Duration getReconnectInterval() {
        return reconnectInterval;
    }

    public void setReconnectInterval(Duration reconnectInterval) {
        this.reconnectInterval = reconnectInterval;
    }

    public String getKeyPrefix() {
        return keyPrefix;
    }

    public void setKeyPrefix(String keyPrefix) {
        this.keyPrefix = keyPrefix;
    }

    public boolean isRequireQuorumOnStartup() {
        return requireQuorumOnStartup;
    }

    public void setRequireQuorumOnStartup(boolean requireQuorumOnStartup) {
        this.requireQuorumOnStartup = requireQuorumOnStartup;
    }

    public Duration getDefaultTtl() {
        return defaultTtl;
    }

    public void setDefaultTtl(Duration defaultTtl) {
        this.defaultTtl = defaultTtl;
    }

    public Advice getAdvice() {
        return advice;
    }

    public Fencing getFencing() {
        return fencing;
    }

    public Ssl getSsl() {
        return ssl;
    }

    public Health getHealth() {
        return health;
    }

    /** The status the health indicator reports while the quorum is lost: DOWN without properties or when blank. */
    public static String quorumLostStatus(@Nullable RedlockProperties properties) {
        String status = properties != null ? properties.getHealth().getQuorumLostStatus() : null;
        if (status != null && status.strip().equalsIgnoreCase("UP")) {
            throw new InvalidRedlockPropertyException("redlock.health.quorum-lost-status",
                    "is UP, which would hide a lost quorum: use DOWN (the default) or a custom status such as"
                            + " QUORUM_LOST listed in management.endpoint.health.status.order");
        }
        return status == null || status.isBlank() ? "DOWN" : status;
    }

    /** Lists the servers' count, never their URIs (they may hold passwords). */
    @Override
    public String toString() {
        return "RedlockProperties[enabled=" + enabled + ", servers=" + servers.size() + " configured, retryCount="
                + retryCount + ", retryDelay=" + retryDelay + ", retryJitter=" + retryJitter + ", driftFactor="
                + driftFactor + ", timeout=" + timeout + ", connectTimeout=" + connectTimeout + ", reconnectInterval="
                + reconnectInterval + ", requestQueueSize=" + requestQueueSize + ", keyPrefix='" + keyPrefix + "', requireQuorumOnStartup=" + requireQuorumOnStartup
                + ", defaultTtl=" + defaultTtl + ", advice.order=" + advice.order + ", fencing.quarantine=" + fencing.quarantine
                + ", ssl.bundle=" + ssl.bundle
                + ", health.quorumLostStatus=" + health.quorumLostStatus + "]";
    }

    /** The {@code @DistributedLock} advice ({@code redlock.advice.*}). */
    public static class Advice {

        /**
         * Order of the @DistributedLock advisor among other advisors on the same method. The default,
         * Ordered.LOWEST_PRECEDENCE - 100, takes the lock outside @Transactional (and @Cacheable)
         * with their default order, so the transaction commits before the lock is released.
         */
        private int order = DistributedLockAdvisor.DEFAULT_ORDER;

        public int getOrder() {
            return order;
        }

        public void setOrder(int order) {
            this.order = order;
        }
    }

    /** Fencing tokens ({@code redlock.fencing.*}), for locks taken with {@code @DistributedLock(fenced = true)}. */
    public static class Fencing {

        /**
         * How long a Redis server that lost its fencing counter (a restart without persistence,
         * FLUSHALL, eviction, or a new server) mints no fencing token for this application, counted
         * from when any client's fenced lock found the counter missing there; never shorter than the
         * largest TTL this application has used for a fenced lock. Set it to at least the largest TTL
         * any client uses plus the largest clock difference between the servers. 0 turns the wait
         * off for this application only (a warning is logged at startup). A new deployment waits one
         * quarantine before its first fenced lock unless the counters are seeded. Unfenced locks are
         * not affected.
         */
        private Duration quarantine = RedlockOptions.DEFAULT_FENCING_QUARANTINE;

        public Duration getQuarantine() {
            return quarantine;
        }

        public void setQuarantine(Duration quarantine) {
            this.quarantine = quarantine;
        }
    }

    /** The {@code redlock} health indicator ({@code redlock.health.*}). */
    public static class Health {

        /**
         * Health status the redlock indicator reports while fewer than a quorum of nodes answer. DOWN
         * (the default) turns the aggregate /actuator/health into DOWN (HTTP 503), as Boot's redis and
         * db indicators do; a custom code (for example QUORUM_LOST, listed in
         * management.endpoint.health.status.order after DOWN and OUT_OF_SERVICE) keeps it at HTTP 200.
         */
        private String quorumLostStatus = "DOWN";

        public String getQuorumLostStatus() {
            return quorumLostStatus;
        }

        public void setQuorumLostStatus(String quorumLostStatus) {
            this.quorumLostStatus = quorumLostStatus;
        }
    }

    /** TLS of the {@code rediss://} servers ({@code redlock.ssl.*}). */
    public static class Ssl {

        /**
         * Name of the Spring Boot SSL bundle (spring.ssl.bundle.*) whose truststore verifies the
         * rediss:// servers (a private CA) and whose keystore, if any, is the client certificate for
         * mutual TLS. None by default: the JVM's default truststore. The server's certificate and host
         * name are always verified.
         */
        private @Nullable String bundle;

        public @Nullable String getBundle() {
            return bundle;
        }

        public void setBundle(@Nullable String bundle) {
            this.bundle = bundle;
        }
    }
}
