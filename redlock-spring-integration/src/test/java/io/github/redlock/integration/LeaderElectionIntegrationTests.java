package io.github.redlock.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Leader election from {@code redlock.leader.roles}, with three application instances, each a Spring
 * Boot application in its own JVM, on three real redis-server nodes. Every instance reports its
 * {@code OnGrantedEvent}s and {@code OnRevokedEvent}s stamped with {@link System#nanoTime()}, one
 * monotonic clock for all processes of the machine, so the events of all instances are ordered on one
 * time line. "Exactly one leader at any time": in that order, no grant while another instance holds
 * a grant it was not revoked from (or killed after).
 *
 * <p>Short intervals keep it quick: leader TTL {@value #TTL_MS} ms, heartbeat {@value #HEARTBEAT_MS} ms.
 * The bounds awaited for a takeover are heartbeat + TTL plus {@link #SLACK} for one acquisition and
 * the child JVM's scheduling on a busy machine.
 */
class LeaderElectionIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final long TTL_MS = 1500;
    private static final long HEARTBEAT_MS = 300;
    private static final Duration TTL = Duration.ofMillis(TTL_MS);
    private static final Duration HEARTBEAT = Duration.ofMillis(HEARTBEAT_MS);
    private static final Duration SLACK = Duration.ofSeconds(2);
    private static final String ROLE = "queue-consumer";

    private final List<ChildApp> instances = new ArrayList<>();
    private final List<LeaderEvent> kills = new ArrayList<>();

    @AfterEach
    void closeInstances() {
        instances.forEach(ChildApp::close);
    }

    @Test
    void threeInstancesHaveOneLeaderAndAnotherTakesOverWithinHeartbeatPlusTtlWhenTheLeaderIsKilled() {
        startThreeInstances();
        ChildApp first = awaitOneLeader(Duration.ofSeconds(20), Set.of());
        kills.add(new LeaderEvent(first.name(), LeaderEvent.Kind.KILLED, first.kill()));

        ChildApp second = awaitOneLeader(HEARTBEAT.plus(TTL).plus(SLACK), Set.of(first));
        kills.add(new LeaderEvent(second.name(), LeaderEvent.Kind.KILLED, second.kill()));

        ChildApp third = awaitOneLeader(HEARTBEAT.plus(TTL).plus(SLACK), Set.of(first, second));
        assertThat(Set.of(first, second, third)).hasSize(3);
        assertThat(timeline()).containsExactly(first.name() + " GRANTED", first.name() + " KILLED",
                second.name() + " GRANTED", second.name() + " KILLED", third.name() + " GRANTED");
        assertAtMostOneLeaderAtATime(allEvents());
    }

    @Test
    void theLeaderIsRevokedWithinTheTtlWhenTwoOfThreeNodesStopAndNobodyLeadsUntilTheyReturn() {
        startThreeInstances();
        ChildApp leader = awaitOneLeader(Duration.ofSeconds(20), Set.of());

        long stopped = System.nanoTime();
        redis.node(1).stop();
        redis.node(2).stop();
        await("the leader's revoke").atMost(TTL).until(() -> leader.count(LeaderEvent.Kind.REVOKED) == 1);
        // Past several TTLs and heartbeats, nobody leads: no stale lock is left for anyone to use.
        await("nobody leading while the quorum is down").during(TTL.multipliedBy(2)).atMost(TTL.multipliedBy(3))
                .until(() -> instances.stream().noneMatch(ChildApp::believesItLeads));
        long restarted = System.nanoTime();
        redis.node(1).start();
        redis.node(2).start();

        awaitOneLeader(Duration.ofSeconds(20), Set.of());
        List<LeaderEvent> events = allEvents();
        assertThat(events).filteredOn(event -> event.kind() == LeaderEvent.Kind.GRANTED
                && event.nanos() > stopped && event.nanos() < restarted).as("grants while the quorum was down").isEmpty();
        assertThat(timeline()).hasSize(3).startsWith(leader.name() + " GRANTED", leader.name() + " REVOKED")
                .last().asString().endsWith(" GRANTED");
        assertAtMostOneLeaderAtATime(events);
    }

    @Test
    void aPausedLeaderLosesLeadershipToAnotherAndIsRevokedAtItsNextHeartbeatWhenResumed() {
        startThreeInstances();
        ChildApp paused = awaitOneLeader(Duration.ofSeconds(20), Set.of());
        paused.signal("STOP");

        ChildApp next = awaitOneLeader(HEARTBEAT.plus(TTL).plus(SLACK), Set.of(paused));
        long nextGranted = next.events().get(0).nanos();
        long resumed = paused.signal("CONT");

        await("the resumed leader's revoke").atMost(HEARTBEAT.plus(SLACK))
                .until(() -> paused.count(LeaderEvent.Kind.REVOKED) == 1);
        long revoked = paused.events().get(1).nanos();
        assertThat(revoked).as("onRevoked ran after the resume, after the other instance's grant")
                .isGreaterThan(resumed).isGreaterThan(nextGranted);
        assertThat(next.believesItLeads()).isTrue();
        assertThat(paused.count(LeaderEvent.Kind.GRANTED)).as("the resumed instance was not granted again").isEqualTo(1);
        // While paused it still believed it led (its onRevoked could not run): the window fencing tokens close.
        assertThat(timeline()).containsExactly(paused.name() + " GRANTED", next.name() + " GRANTED",
                paused.name() + " REVOKED");
    }

    private void startThreeInstances() {
        List<String> properties = new ArrayList<>();
        List<String> uris = redis.uris();
        for (int i = 0; i < uris.size(); i++) {
            properties.add("redlock.servers[" + i + "]=" + uris.get(i));
        }
        properties.add("redlock.timeout=200ms");
        properties.add("redlock.key-prefix=leader-test:");
        properties.add("redlock.leader.roles[0]=" + ROLE);
        properties.add("redlock.leader.ttl=" + TTL_MS + "ms");
        properties.add("redlock.leader.heartbeat=" + HEARTBEAT_MS + "ms");
        properties.add("redlock.leader.busy-wait=50ms");
        for (String name : List.of("a", "b", "c")) {
            instances.add(ChildApp.start(name, properties));
        }
        await("three instances started").atMost(Duration.ofSeconds(90))
                .until(() -> instances.stream().allMatch(ChildApp::isReady));
    }

    /** Awaits the one instance, not in {@code excluded}, that believes it leads; fails if two do. */
    private ChildApp awaitOneLeader(Duration bound, Set<ChildApp> excluded) {
        await("a leader among " + instances).atMost(bound).until(() -> instances.stream()
                .filter(instance -> !excluded.contains(instance)).anyMatch(ChildApp::believesItLeads));
        List<ChildApp> leaders = instances.stream().filter(instance -> !excluded.contains(instance))
                .filter(ChildApp::believesItLeads).collect(Collectors.toList());
        assertThat(leaders).as("instances leading").hasSize(1);
        return leaders.get(0);
    }

    private List<LeaderEvent> allEvents() {
        List<LeaderEvent> events = new ArrayList<>(kills);
        instances.forEach(instance -> events.addAll(instance.events()));
        events.sort(Comparator.comparingLong(LeaderEvent::nanos));
        return events;
    }

    /** Every instance's events on the shared time line, as "instance KIND". */
    private List<String> timeline() {
        return allEvents().stream().map(event -> event.instance() + " " + event.kind()).collect(Collectors.toList());
    }

    private static void assertAtMostOneLeaderAtATime(List<LeaderEvent> events) {
        Set<String> leading = new HashSet<>();
        for (LeaderEvent event : events) {
            switch (event.kind()) {
                case GRANTED -> {
                    assertThat(leading).as("leaders when %s was granted, in %s", event.instance(), events).isEmpty();
                    leading.add(event.instance());
                }
                case REVOKED, KILLED -> leading.remove(event.instance());
            }
        }
    }
}
