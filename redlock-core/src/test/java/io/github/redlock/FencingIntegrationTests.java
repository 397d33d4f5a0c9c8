package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fencing tokens against real servers: the scripts, the numbers, the counter key, the quarantine,
 * ACL errors, renewals and extend-or-create. The protocol's rules against faults between the phases
 * are in {@link FencingTests}; the falsification suite tries to break the contract.
 */
@Timeout(60)
class FencingIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final String PREFIX = "lock:";
    private static final String COUNTER = PREFIX + RedlockOptions.FENCING_COUNTER_SUFFIX;
    private static final Duration TTL = Duration.ofSeconds(10);

    private final List<Redlock> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(Redlock::close);
    }

    /** Without quarantine unless asked: the nodes are flushed before each test, so they start without counters. */
    private Redlock redlock(Duration quarantine) {
        return redlock(Redlock.builder().servers(redis.uris()).fencingQuarantine(quarantine));
    }

    private Redlock redlock() {
        return redlock(Duration.ZERO);
    }

    private Redlock redlock(Redlock.Builder builder) {
        Redlock redlock = builder.keyPrefix(PREFIX).timeout(Duration.ofMillis(500)).retryCount(1)
                .retryDelay(Duration.ofMillis(20)).build();
        opened.add(redlock);
        return redlock;
    }

    /** A counter value ahead of every node's clock in µs (about 2030), so that the time floor plays no part. */
    private static final String AHEAD = "1900000000000000";

    private static LockRequest fenced(String resource) {
        return LockRequest.of(resource, TTL).withFencing();
    }

    private static long token(Lease lease) {
        return lease.fencingToken().orElseThrow();
    }

    private static Object counter(int node) {
        return redis.node(node).command("HGET", COUNTER, "counter");
    }

    private static void seedCounters(String value) {
        for (int i = 0; i < 3; i++) {
            redis.node(i).command("HSET", COUNTER, "counter", value);
        }
    }

    @Test
    void aFencedGrantCarriesATokenFromTheNodesClockAndAnUnfencedOneNone() {
        Redlock redlock = redlock();
        long before = System.currentTimeMillis() * 1000;

        Lease fenced = redlock.tryLock(fenced("report")).leaseOrThrow();
        Lease unfenced = redlock.tryLock(LockRequest.of("other", TTL)).leaseOrThrow();

        assertThat(token(fenced)).as("the time floor: at least the nodes' time in µs").isGreaterThanOrEqualTo(before);
        assertThat(unfenced.fencingToken()).isEmpty();
        int equal = 0;
        for (int i = 0; i < 3; i++) {
            long counter = Long.parseLong((String) counter(i));
            // Written back to every node; a node whose mint came after the grant decided keeps its own, larger one.
            assertThat(counter).as("counter on node %d", i).isGreaterThanOrEqualTo(token(fenced));
            equal += counter == token(fenced) ? 1 : 0;
            assertThat(redis.node(i).command("GET", PREFIX + "report")).isEqualTo(fenced.value());
        }
        assertThat(equal).as("nodes whose counter is the token").isGreaterThanOrEqualTo(2);
        assertThat(redlock.options().fencingCounterKey()).isEqualTo("lock:#redlock-fencing-counter");
    }

    @Test
    void tokensStrictlyIncreaseAcrossGrantsAndAcrossEngines() {
        Redlock first = redlock();
        Redlock second = redlock();
        seedCounters(AHEAD); // ahead of the clocks: the counters alone, not the time floor, order the tokens
        long previous = Long.parseLong(AHEAD);
        for (int i = 0; i < 20; i++) {
            Redlock redlock = i % 2 == 0 ? first : second;
            Lease lease = redlock.tryLock(fenced("report")).leaseOrThrow();
            assertThat(token(lease)).as("grant %d", i).isGreaterThan(previous);
            previous = token(lease);
            assertThat(lease.release()).isTrue();
        }
    }

    @Test
    void sixteenDigitTokensAreExactAndMintingStopsBelow2To53() {
        Redlock redlock = redlock();
        seedCounters("8999999999999998");

        Lease lease = redlock.tryLock(fenced("report")).leaseOrThrow();

        assertThat(lease.fencingToken()).hasValue(8_999_999_999_999_999L);
        for (int i = 0; i < 3; i++) {
            assertThat(counter(i)).as("stored exactly on node %d", i).isEqualTo("8999999999999999");
        }
        assertThat(lease.release()).isTrue();

        seedCounters("9000000000000000");
        LockResult refused = redlock.tryLock(fenced("report"));

        assertThat(refused.isAcquired()).isFalse();
        assertThat(refused.failure()).isEqualTo(LockFailure.UNAVAILABLE);
        assertThat(refused.nodes()).hasSize(3).allSatisfy(node -> assertThat(node.detail())
                .startsWith("fencing: token space exhausted: the next token would pass 9000000000000000"));
        for (int i = 0; i < 3; i++) {
            assertThat(redis.node(i).command("GET", PREFIX + "report")).as("no key on node %d", i).isNull();
            assertThat(counter(i)).isEqualTo("9000000000000000");
        }
    }

    @Test
    void aRedisUserWithoutTimeGetsAnErrorNamingTheFixAndNoKey() {
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            redis.node(i).command("ACL", "SETUSER", "notime", "reset", "on", ">secret", "~*", "+@all", "-time");
            servers.add("redis://notime:secret@127.0.0.1:" + redis.node(i).port());
        }
        Redlock redlock = redlock(Redlock.builder().servers(servers).fencingQuarantine(Duration.ZERO));

        LockResult result = redlock.tryLock(fenced("report"));

        assertThat(result.isAcquired()).isFalse();
        assertThat(result.failure()).isEqualTo(LockFailure.UNAVAILABLE);
        assertThat(result.nodes()).hasSize(3).allSatisfy(node -> assertThat(node.detail())
                .startsWith("NOPERM: fencing needs the Redis user to run TIME").contains("ACL SETUSER <user> +time"));
        for (int i = 0; i < 3; i++) {
            assertThat(redis.node(i).command("GET", PREFIX + "report")).isNull();
        }
        assertThat(redlock.tryLock(LockRequest.of("report", TTL)).isAcquired()).as("unfenced locks still work").isTrue();
    }

    /** The least-privilege ACL line of docs/fencing.md, after {@code ACL SETUSER locker reset on >secret}. */
    static final List<String> FENCING_ACL = List.of("~lock:*", "resetchannels", "-@all", "+set", "+get", "+del", "+pexpire",
            "+eval", "+evalsha", "+ping", "+info", "+time", "+hget", "+hmget", "+hset");

    @Test
    void theDocumentedAclLetsAUserLockFencedRenewFillInAndRelease() {
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<String> command = new ArrayList<>(List.of("ACL", "SETUSER", "locker", "reset", "on", ">secret"));
            command.addAll(FENCING_ACL);
            redis.node(i).command(command.toArray(String[]::new));
            servers.add("redis://locker:secret@127.0.0.1:" + redis.node(i).port());
        }
        Redlock redlock = redlock(Redlock.builder().servers(servers).fencingQuarantine(Duration.ofSeconds(60)));
        seedCounters("1");
        redis.node(2).command("SET", PREFIX + "report", "someone-else", "PX", "50"); // node 2 is filled in once it expires

        Lease lease = redlock.tryLock(fenced("report")).leaseOrThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> lease.value().equals(redis.node(2).command("GET", PREFIX + "report")));
        redis.node(1).flushAll(); // counter lost: the renewal re-creates the key and starts a quarantine there
        assertThat(redlock.extend(lease, TTL)).contains(lease);

        assertThat(Long.parseLong((String) counter(2))).as("raised by the fill-in").isGreaterThanOrEqualTo(token(lease));
        assertThat(Long.parseLong((String) counter(1))).as("raised by the renewal").isGreaterThanOrEqualTo(token(lease));
        assertThat(redis.node(1).command("HEXISTS", COUNTER, "lost_at")).isEqualTo(1L);
        assertThat(lease.release()).isTrue();
        assertThat(redlock.tryLock(fenced("report"), "host-a", true).isAcquired()).isTrue();
    }

    /**
     * The counter is written before the key: a user who may not write the counter leaves no key
     * behind. The user may not DEL either, so that the failed attempt's release cannot hide a key
     * the script left.
     */
    @Test
    void aRedisUserWhoMayNotWriteTheCounterGetsAnErrorAndLeavesNoKey() {
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            redis.node(i).command("ACL", "SETUSER", "nohset", "reset", "on", ">secret", "~*", "+@all", "-hset", "-del");
            servers.add("redis://nohset:secret@127.0.0.1:" + redis.node(i).port());
        }
        Redlock redlock = redlock(Redlock.builder().servers(servers).fencingQuarantine(Duration.ZERO));
        seedCounters("1");

        LockResult result = redlock.tryLock(fenced("report"));

        assertThat(result.isAcquired()).isFalse();
        for (int i = 0; i < 3; i++) {
            assertThat(redis.node(i).command("GET", PREFIX + "report")).as("key left on node %d", i).isNull();
        }
        // Every attempt erred: a key left by the first would have been found held by the retry.
        assertThat(result.nodes()).hasSize(3).allSatisfy(node -> assertThat(node.status()).isEqualTo(NodeStatus.ERROR));

    }

    /**
     * The counter key is no lock key under any prefix: here the counter of prefix {@code a:b:} and
     * the lock key of resource {@code b:} under prefix {@code a:}, which were one key ({@code a:b:}).
     */
    @Test
    void theCounterKeyOfOnePrefixIsNoLockKeyOfAnother() {
        Redlock inner = Redlock.builder().servers(redis.uris()).keyPrefix("a:b:").fencingQuarantine(Duration.ZERO).build();
        Redlock outer = Redlock.builder().servers(redis.uris()).keyPrefix("a:").fencingQuarantine(Duration.ZERO).build();
        opened.add(inner);
        opened.add(outer);
        assertThat(inner.tryLock(fenced("report")).isAcquired()).isTrue();

        LockResult result = outer.tryLock(LockRequest.of("b:", TTL));

        assertThat(result.isAcquired()).as("the lock key a:b: is free: %s", result).isTrue();
        assertThat(inner.options().fencingCounterKey()).isNotEqualTo("a:b:").startsWith("a:b:");
        assertThatThrownBy(() -> outer.tryLock(LockRequest.of("b:" + RedlockOptions.FENCING_COUNTER_SUFFIX, TTL)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved for the fencing counter");
    }

    @Test
    void aRedisUserWithoutTheCounterKeyGetsAnErrorNamingTheKey() {
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            redis.node(i).command("ACL", "SETUSER", "lockonly", "reset", "on", ">secret", "~lock:report", "+@all");
            servers.add("redis://lockonly:secret@127.0.0.1:" + redis.node(i).port());
        }
        Redlock redlock = redlock(Redlock.builder().servers(servers).fencingQuarantine(Duration.ZERO));

        LockResult result = redlock.tryLock(fenced("report"));

        assertThat(result.isAcquired()).isFalse();
        assertThat(result.nodes()).hasSize(3).allSatisfy(node -> assertThat(node.detail())
                .startsWith("NOPERM: fencing needs the Redis user to access the fencing counter key 'lock:#redlock-fencing-counter'")
                .contains("~lock:*, covers both"));
    }

    @Test
    void aNodeThatLostItsCounterIsQuarantinedThenMintsAgainAboveEveryEarlierToken() {
        Redlock redlock = redlock(Duration.ofMillis(1500));
        seedCounters("1");
        Lease first = redlock.tryLock(fenced("report")).leaseOrThrow();
        assertThat(first.release()).isTrue();

        redis.node(0).flushAll();
        LockResult onTwo = redlock.tryLock(fenced("report"));
        assertThat(onTwo.isAcquired()).as("the other two still grant: %s", onTwo).isTrue();
        assertThat(onTwo.nodes().get(0).detail()).isEqualTo("fencing: counter lost (restart without persistence,"
                + " FLUSHALL or eviction): this node mints no token for 10000 ms (quarantine)");
        assertThat(token(onTwo.leaseOrThrow())).isGreaterThan(token(first));
        assertThat(onTwo.leaseOrThrow().release()).isTrue();

        redis.node(1).flushAll();
        LockResult onOne = redlock.tryLock(LockRequest.of("report", Duration.ofMillis(500)).withFencing());
        assertThat(onOne.isAcquired()).as("one node mints: %s", onOne).isFalse();
        assertThat(onOne.failure()).isEqualTo(LockFailure.UNAVAILABLE);
        // The last attempt's outcomes: node 1 found its counter missing in the first attempt.
        assertThat(onOne.nodes().subList(0, 2)).allSatisfy(node -> assertThat(node.detail())
                .startsWith("fencing: counter lost on this node: it mints no token for").endsWith("ms more (quarantine)"));
        assertThat(onOne.nodes().get(2).status()).isEqualTo(NodeStatus.OK);
        assertThat(redis.node(1).command("HEXISTS", COUNTER, "lost_at")).isEqualTo(1L);
    }

    /**
     * The quarantine is each client's, never decided by whichever client first finds the counter
     * missing: a client configured without one re-creates the counters and locks at once, and a
     * client configured with 60 s still refuses to mint there until its own quarantine ends.
     */
    @Test
    void aClientWithoutQuarantineThatRecreatesTheCountersDoesNotEndAnotherClientsQuarantine() {
        Redlock withoutQuarantine = redlock(Duration.ZERO);
        Redlock withQuarantine = redlock(Duration.ofSeconds(60));
        seedCounters("1");
        for (int i = 0; i < 3; i++) {
            redis.node(i).flushAll();
        }

        Lease first = withoutQuarantine.tryLock(fenced("report")).leaseOrThrow();
        assertThat(first.release()).isTrue();
        LockResult refused = withQuarantine.tryLock(fenced("report"));

        assertThat(refused.isAcquired()).as("minted inside its quarantine: %s", refused).isFalse();
        assertThat(refused.failure()).isEqualTo(LockFailure.UNAVAILABLE);
        assertThat(refused.nodes()).hasSize(3).allSatisfy(node -> assertThat(node.detail())
                .startsWith("fencing: counter lost on this node: it mints no token for").endsWith("ms more (quarantine)"));
    }

    @Test
    void aQuarantineEndsAndTheNodeMintsAgain() {
        Redlock redlock = redlock(Duration.ofMillis(300));
        LockRequest request = LockRequest.of("report", Duration.ofMillis(200)).withFencing();
        LockResult quarantined = redlock.tryLock(request);
        assertThat(quarantined.isAcquired()).as("new servers have no counter: all quarantined").isFalse();

        Lease lease = await().atMost(Duration.ofSeconds(10)).until(() -> redlock.tryLock(request).lease(),
                java.util.Optional::isPresent).orElseThrow();

        assertThat(lease.fencingToken()).isPresent();
        for (int i = 0; i < 3; i++) {
            assertThat(redis.node(i).command("HEXISTS", COUNTER, "lost_at")).as("the loss stays recorded on node %d", i)
                    .isEqualTo(1L);
        }
    }

    @Test
    void renewalsKeepTheTokenAndRaiseTheCounterOfANodeThatLostIt() {
        AtomicInteger renewals = new AtomicInteger();
        Redlock redlock = redlock(Redlock.builder().servers(redis.uris()).fencingQuarantine(Duration.ZERO)
                .listener(new RedlockListener() {
                    @Override
                    public void renewed(Renewal renewal) {
                        if (renewal.renewed()) {
                            renewals.incrementAndGet();
                        }
                    }
                }));
        Lease lease = redlock.tryLock(LockRequest.of("report", Duration.ofMillis(600)).withFencing().withKeepAlive(true))
                .leaseOrThrow();
        long token = token(lease);
        await().atMost(Duration.ofSeconds(10)).until(() -> renewals.get() >= 2);

        redis.node(0).flushAll();
        int after = renewals.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> renewals.get() >= after + 2);

        assertThat(lease.isValid()).isTrue();
        assertThat(lease.fencingToken()).hasValue(token);
        assertThat(redis.node(0).command("GET", PREFIX + "report")).as("re-created").isEqualTo(lease.value());
        assertThat(Long.parseLong((String) counter(0))).as("raised to at least the token").isGreaterThanOrEqualTo(token);
        assertThat(redlock.extend(lease, TTL)).contains(lease);
        assertThat(lease.fencingToken()).hasValue(token);
    }

    @Test
    void extendOrCreateKeepsTheTokenWhileTheCallersLeaseIsValidAndMintsOtherwise() {
        Redlock redlock = redlock();
        Redlock other = redlock();
        LockRequest shortLived = LockRequest.of("report", Duration.ofMillis(300)).withFencing();
        seedCounters(AHEAD); // ahead of the clocks: a kept token would now lie below the one in between
        Lease first = redlock.tryLock(shortLived, "host-a", true).leaseOrThrow();

        Lease renewed = redlock.tryLock(shortLived, "host-a", true).leaseOrThrow();
        assertThat(renewed.fencingToken()).as("a valid lease is renewed, same grant").isEqualTo(first.fencingToken());

        await().atMost(Duration.ofSeconds(5)).until(() -> !renewed.isValid());
        Lease between = other.tryLock(fenced("report")).leaseOrThrow(); // someone else holds it in between
        assertThat(between.release()).isTrue();
        Lease again = redlock.tryLock(shortLived, "host-a", true).leaseOrThrow();

        assertThat(token(again)).as("after the lease lapsed: a new grant").isGreaterThan(token(between));
    }

    @Test
    void extendOrCreateNeverKeepsATokenBecauseTheValueIsFoundOnTheServers() {
        Redlock holder = redlock();
        Redlock stranger = redlock();
        Lease held = holder.tryLock(fenced("report"), "host-a", false).leaseOrThrow();

        Lease taken = stranger.tryLock(fenced("report"), "host-a", true).leaseOrThrow();

        assertThat(token(taken)).as("no lease of its own: minted anew").isGreaterThan(token(held));
    }

    @Test
    void aReleaseLeavesTheCounterAlone() {
        Redlock redlock = redlock();
        Lease held = redlock.tryLock(fenced("report").withMinimumHold(Duration.ofMillis(200))).leaseOrThrow();
        Lease known = redlock.tryLock(fenced("other"), "host-a", false).leaseOrThrow();
        // The grant comes with a quorum of write-backs: let the last one land, or it raises the counter below.
        long last = token(known);
        await().atMost(Duration.ofSeconds(10)).until(() -> List.of(0, 1, 2).stream()
                .allMatch(i -> Long.parseLong(String.valueOf(counter(i))) >= last));
        for (int i = 0; i < 3; i++) {
            redis.node(i).command("HSET", COUNTER, "counter", "42"); // any change by a release would show
        }

        assertThat(held.release()).as("kept for its minimum hold").isTrue();
        assertThat(redlock().release("other", known.value())).as("by value, from another engine").isTrue();
        assertThat(known.release()).isFalse();

        for (int i = 0; i < 3; i++) {
            assertThat(counter(i)).isEqualTo("42");
        }
    }
}
