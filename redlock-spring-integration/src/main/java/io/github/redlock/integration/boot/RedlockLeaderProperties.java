package io.github.redlock.integration.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Leader election per role ({@code redlock.leader.*}): one Spring Integration
 * {@code LockRegistryLeaderInitiator} for each role, over a quorum lock named after the role. The
 * settings apply to every role.
 */
@ConfigurationProperties("redlock.leader")
public class RedlockLeaderProperties {

    /**
     * Roles to run leader election for, each the name of its lock (under redlock.key-prefix). Empty
     * by default: no election runs.
     */
    private List<String> roles = new ArrayList<>();

    /**
     * TTL of a leader's lock: how long the other instances wait, at most, after a leader died
     * before one of them takes over (plus up to one busy-wait and one acquisition).
     */
    private Duration ttl = Duration.ofSeconds(10);

    /**
     * How often the leader renews its lock on the quorum, and learns whether it is still leader
     * (LockRegistryLeaderInitiator's heartBeatMillis). At most half the TTL. Also how long a
     * non-leader waits for the lock in each attempt.
     */
    private Duration heartbeat = Duration.ofMillis(500);

    /**
     * Pause after losing leadership before trying again (LockRegistryLeaderInitiator's busyWaitMillis).
     */
    private Duration busyWait = Duration.ofMillis(50);

    /**
     * Whether a non-leader publishes an OnFailedToAcquireMutexEvent after each attempt that did not
     * get the lock (many events).
     */
    private boolean publishFailedEvents = false;

    public List<String> getRoles() {
        return roles;
    }

    public void setRoles(List<String> roles) {
        this.roles = roles;
    }

    public Duration getTtl() {
        return ttl;
    }

    public void setTtl(Duration ttl) {
        this.ttl = ttl;
    }

    public Duration getHeartbeat() {
        return heartbeat;
    }

    public void setHeartbeat(Duration heartbeat) {
        this.heartbeat = heartbeat;
    }

    public Duration getBusyWait() {
        return busyWait;
    }

    public void setBusyWait(Duration busyWait) {
        this.busyWait = busyWait;
    }

    public boolean isPublishFailedEvents() {
        return publishFailedEvents;
    }

    public void setPublishFailedEvents(boolean publishFailedEvents) {
        this.publishFailedEvents = publishFailedEvents;
    }
}
