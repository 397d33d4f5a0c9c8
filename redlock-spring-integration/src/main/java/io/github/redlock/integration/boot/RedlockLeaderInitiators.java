package io.github.redlock.integration.boot;

import io.github.redlock.RedlockOptions;
import io.github.redlock.integration.RedlockLockRegistry;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationEventPublisherAware;
import org.springframework.context.SmartLifecycle;
import org.springframework.integration.leader.DefaultCandidate;
import org.springframework.integration.support.SmartLifecycleRoleController;
import org.springframework.integration.support.leader.LockRegistryLeaderInitiator;

/**
 * One Spring Integration {@link LockRegistryLeaderInitiator} per role, all over one
 * {@link RedlockLockRegistry}, whose default TTL is the leader TTL; started and stopped together. Each
 * publishes {@code OnGrantedEvent} and {@code OnRevokedEvent} (whose {@code getRole()} names the role)
 * as application events, and logs through a {@link DefaultCandidate}. Started in the last phase
 * ({@link SmartLifecycle#DEFAULT_PHASE}), so it is stopped first: stopping first stops each led
 * role's endpoints, then revokes this instance's leadership and releases its locks (see {@link #stop()}).
 */
public final class RedlockLeaderInitiators
        implements SmartLifecycle, DisposableBean, ApplicationEventPublisherAware, ApplicationContextAware {

    private final Map<String, LockRegistryLeaderInitiator> initiators = new LinkedHashMap<>();
    private final Duration ttl;
    private final RedlockLockRegistry registry;
    private volatile boolean running;
    private volatile @Nullable ApplicationContext applicationContext;

    /**
     * @throws IllegalArgumentException when a role is blank or repeated, or the heartbeat or busy-wait
     *         is not positive, or the heartbeat is longer than half the registry's TTL, or the heartbeat
     *         plus twice the Redlock's timeout plus the clock-drift allowance is not below that TTL (a
     *         leader would lose its lock between two renewals)
     */
    public RedlockLeaderInitiators(RedlockLockRegistry registry, List<String> roles, Duration heartbeat,
            Duration busyWait, boolean publishFailedEvents) {
        if (heartbeat.isNegative() || heartbeat.isZero() || busyWait.isNegative()) {
            throw new IllegalArgumentException("redlock.leader.heartbeat must be positive and redlock.leader.busy-wait"
                    + " zero or more, got " + heartbeat + " and " + busyWait);
        }
        Duration ttl = registry.defaultTtl();
        if (heartbeat.multipliedBy(2).compareTo(ttl) > 0) {
            throw new IllegalArgumentException("redlock.leader.heartbeat (" + heartbeat.toMillis() + " ms) must be at"
                    + " most half of the leader TTL, redlock.leader.ttl (" + ttl.toMillis() + " ms): the leader renews its lock each"
                    + " heartbeat, and would lose it between two renewals");
        }
        RedlockOptions options = registry.redlock().options();
        Duration timeout = options.timeout();
        // The clock-drift allowance of a grant or renewal: 2 ms plus driftFactor of the TTL.
        Duration drift = Duration.ofMillis(2).plusNanos((long) (ttl.toNanos() * options.driftFactor()));
        Duration needed = heartbeat.plus(timeout.multipliedBy(2)).plus(drift);
        if (needed.compareTo(ttl) >= 0) {
            throw new IllegalArgumentException("redlock.leader.heartbeat (" + heartbeat.toMillis() + " ms) plus twice"
                    + " redlock.timeout (" + timeout.toMillis() + " ms) plus the clock-drift allowance (" + drift.toMillis()
                    + " ms) must be below the leader TTL, redlock.leader.ttl (" + ttl.toMillis() + " ms): a renewal started"
                    + " a heartbeat after the last one may take two timeouts to answer, and the lock must still stand then");
        }
        this.ttl = ttl;
        this.registry = registry;
        String id = UUID.randomUUID().toString();
        for (String role : roles) {
            if (role == null || role.isBlank() || initiators.containsKey(role)) {
                throw new IllegalArgumentException("redlock.leader.roles must be distinct non-blank names, got " + roles);
            }
            LockRegistryLeaderInitiator initiator = new LockRegistryLeaderInitiator(registry, new DefaultCandidate(id, role));
            initiator.setHeartBeatMillis(heartbeat.toMillis());
            initiator.setBusyWaitMillis(busyWait.toMillis());
            initiator.setPublishFailedEvents(publishFailedEvents);
            initiator.setAutoStartup(false);
            initiators.put(role, initiator);
        }
    }

    @Override
    public void setApplicationEventPublisher(ApplicationEventPublisher applicationEventPublisher) {
        initiators.values().forEach(initiator -> initiator.setApplicationEventPublisher(applicationEventPublisher));
    }

    /** The roles elected for, in the order configured. */
    public Set<String> roles() {
        return Collections.unmodifiableSet(initiators.keySet());
    }

    /** The roles this instance leads now. */
    public Set<String> leading() {
        Set<String> leading = new LinkedHashSet<>();
        initiators.forEach((role, initiator) -> {
            if (initiator.getContext().isLeader()) {
                leading.add(role);
            }
        });
        return leading;
    }

    /** Whether this instance leads {@code role} now. */
    public boolean isLeader(String role) {
        LockRegistryLeaderInitiator initiator = initiators.get(role);
        return initiator != null && initiator.getContext().isLeader();
    }

    /** The initiator of {@code role}, for example to {@code getContext().yield()} leadership. */
    public Optional<LockRegistryLeaderInitiator> initiator(String role) {
        return Optional.ofNullable(initiators.get(role));
    }

    @Override
    public void start() {
        initiators.values().forEach(LockRegistryLeaderInitiator::start);
        running = true;
    }

    /**
     * Stops electing. For each role, first stops the role's endpoints (every
     * {@link SmartLifecycleRoleController} of the context, {@code stopLifecyclesInRole}) while this
     * instance still leads, then stops the role's initiator, which releases the lock, and waits (at
     * most the leader TTL) until it no longer leads, so that the lock is released before the
     * {@code Redlock} closes. Work an endpoint already started (a message being handled on another
     * thread) is not waited for.
     */
    @Override
    public void stop() {
        running = false;
        ApplicationContext context = applicationContext;
        for (Map.Entry<String, LockRegistryLeaderInitiator> entry : initiators.entrySet()) {
            if (context != null && entry.getValue().getContext().isLeader()) {
                context.getBeanProvider(SmartLifecycleRoleController.class).orderedStream()
                        .forEach(controller -> controller.stopLifecyclesInRole(entry.getKey()));
            }
            entry.getValue().stop();
        }
        long deadline = System.nanoTime() + ttl.toNanos();
        for (Map.Entry<String, LockRegistryLeaderInitiator> entry : initiators.entrySet()) {
            // Not leading any more is said before the unlock's release has been answered: wait for both.
            while ((entry.getValue().getContext().isLeader() || registry.isHeld(entry.getKey()))
                    && System.nanoTime() - deadline < 0) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void setApplicationContext(ApplicationContext applicationContext) {
        this.applicationContext = applicationContext;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public void destroy() {
        running = false;
        initiators.values().forEach(LockRegistryLeaderInitiator::destroy);
    }

    @Override
    public String toString() {
        return "RedlockLeaderInitiators[roles=" + initiators.keySet() + ", leading=" + leading() + "]";
    }
}
