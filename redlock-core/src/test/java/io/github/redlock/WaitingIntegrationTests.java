package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.internal.Waiting;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Waiting for a held lock (issue 23), on 3 real nodes: release notices, the nodes' waiter queues,
 * and what waiting leaves behind (nothing). The retry delay is set far beyond the wait, so a waiter
 * that is granted was woken by a notice, not by polling.
 */
class WaitingIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final Duration TTL = Duration.ofSeconds(60);
    private static final Duration NO_POLLING = Duration.ofSeconds(120);

    private static Redlock engine(Duration retryDelay) {
        return Redlock.builder().servers(redis.uris()).retryCount(0).retryDelay(retryDelay).retryJitter(Duration.ZERO)
                .build();
    }

    @Test
    void aReleaseWakesTheWaiterOfAnotherEngineAtOnce() throws Exception {
        try (Redlock holder = engine(NO_POLLING); Redlock waiter = engine(NO_POLLING)) {
            Lease held = holder.lock("woken", TTL).orElseThrow();
            CompletableFuture<LockResult> waiting = waiter.tryLockAsync(LockRequest.of("woken", TTL)
                    .withWaitTime(Duration.ofSeconds(30))).toCompletableFuture();
            await().atMost(Duration.ofSeconds(10)).until(() -> waiter.waiters().subscriptions() == 1);

            assertThat(held.release()).isTrue();
            LockResult result = waiting.get(30, TimeUnit.SECONDS);

            assertThat(result.isAcquired()).as("granted within the wait with no polling: %s", result).isTrue();
            assertThat(result.attempts()).as("the first attempt, then at least one on a notice").isGreaterThanOrEqualTo(2);
            result.lease().orElseThrow().release();
            assertNothingLeft(waiter, "woken");
        }
    }

    @Test
    void aWaiterForAKeyHeldOnOnlyAMajorityRetriesAtThePollingRate() {
        // Another client holds the key on 2 of the 3 nodes (no fill-in, or the third restarted empty):
        // every attempt sets the third node, lacks a quorum and releases it there again.
        redis.node(0).command("SET", "majority", "other", "PX", "60000");
        redis.node(1).command("SET", "majority", "other", "PX", "60000");
        try (Redlock waiter = engine(Duration.ofMillis(200))) {
            LockResult result = waiter.tryLock(LockRequest.of("majority", TTL).withWaitTime(Duration.ofSeconds(2)));

            assertThat(result.failure()).as("%s", result).isEqualTo(LockFailure.CONTENDED);
            // 2 s at one attempt per 200 ms: about 10, and one more for the subscription's confirmation.
            assertThat(result.attempts()).as("attempts in 2 s, polling every 200 ms").isLessThanOrEqualTo(20);
            assertNothingLeft(waiter, "majority");
        }
    }

    @Test
    void aWaiterKeepsItsPlaceInTheQueueOfANodeWhereItSetTheKey() throws Exception {
        redis.node(0).command("SET", "place", "other", "PX", "60000");
        redis.node(1).command("SET", "place", "other", "PX", "60000");
        try (Redlock waiter = engine(Duration.ofMillis(100))) {
            CompletableFuture<LockResult> waiting = waiter.tryLockAsync(LockRequest.of("place", TTL)
                    .withWaitTime(Duration.ofSeconds(4))).toCompletableFuture();

            // Its attempts set the third node each time; its entry there keeps its place for it.
            await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> assertThat(entriesOnEveryNode("place"))
                    .as("the waiter's entry in the queue of every node, the third included").isEqualTo(1));
            assertThat(waiting.get(10, TimeUnit.SECONDS).failure()).isEqualTo(LockFailure.CONTENDED);
            assertNothingLeft(waiter, "place");
        }
    }

    @Test
    void aFailedSubscriptionIsTriedAgainWhileTheLineWaits() throws Exception {
        // The first node refuses the channel at first.
        wokenOnceTheFirstNodeLetsTheListenerIn("retried", "resetchannels", "allchannels",
                "nodes subscribed once the first allows the channel");
    }

    @Test
    void aFailedSubscriptionConnectionIsTriedAgainWhileTheLineWaits() throws Exception {
        // The first node refuses the user at first: no connection to it, commands or pub/sub.
        wokenOnceTheFirstNodeLetsTheListenerIn("reconnected", "off", "on",
                "nodes subscribed once the first lets the user in");
    }

    /**
     * A waiter whose ACL user the first of 3 nodes refuses ({@code refused}: a channel rule or the
     * user's state) subscribes there once that node allows it ({@code allowed}), and is woken by the
     * release notice, never by polling.
     */
    private void wokenOnceTheFirstNodeLetsTheListenerIn(String resource, String refused, String allowed,
            String subscribedOnceAllowed) throws Exception {
        String channel = Waiting.channel(resource);
        List<String> uris = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            redis.node(i).command("ACL", "SETUSER", "listener", "on", ">secret", "~*", "+@all", "allchannels",
                    i == 0 ? refused : allowed);
            uris.add("redis://listener:secret@" + redis.node(i).host() + ":" + redis.node(i).port());
        }
        try (Redlock holder = engine(NO_POLLING);
                Redlock waiter = Redlock.builder().servers(uris.toArray(String[]::new)).retryCount(0)
                        .retryDelay(NO_POLLING).retryJitter(Duration.ZERO).reconnectInterval(Duration.ofMillis(200))
                        .build()) {
            Lease held = holder.lock(resource, TTL).orElseThrow();
            CompletableFuture<LockResult> waiting = waiter.tryLockAsync(LockRequest.of(resource, TTL)
                    .withWaitTime(Duration.ofSeconds(30))).toCompletableFuture();
            await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(channel) == 2);

            redis.node(0).command("ACL", "SETUSER", "listener", allowed);

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(subscribers(channel))
                    .as(subscribedOnceAllowed).isEqualTo(3));
            held.release();
            LockResult result = waiting.get(30, TimeUnit.SECONDS);
            assertThat(result.isAcquired()).as("woken by a notice (no polling): %s", result).isTrue();
            result.lease().orElseThrow().release();
        } finally {
            for (int i = 0; i < 3; i++) {
                redis.node(i).command("ACL", "DELUSER", "listener");
            }
        }
    }

    @Test
    void subscriptionsAreRenewedAfterTheirConnectionsWereKilled() throws Exception {
        try (Redlock holder = engine(NO_POLLING); Redlock waiter = engine(NO_POLLING)) {
            Lease held = holder.lock("resubscribed", TTL).orElseThrow();
            CompletableFuture<LockResult> waiting = waiter.tryLockAsync(LockRequest.of("resubscribed", TTL)
                    .withWaitTime(Duration.ofSeconds(30))).toCompletableFuture();
            String channel = Waiting.channel("resubscribed");
            await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(channel) == 3);

            for (int i = 0; i < 3; i++) {
                redis.node(i).command("CLIENT", "KILL", "TYPE", "pubsub");
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> subscribers(channel) == 3);
            held.release();

            LockResult result = waiting.get(30, TimeUnit.SECONDS);
            assertThat(result.isAcquired()).as("woken through the renewed subscriptions (no polling): %s", result).isTrue();
            result.lease().orElseThrow().release();
            assertNothingLeft(waiter, "resubscribed");
        }
    }

    /** How many of the 3 nodes have a subscriber on {@code channel}. */
    private static int subscribers(String channel) {
        int nodes = 0;
        for (int i = 0; i < 3; i++) {
            List<?> reply = (List<?>) redis.node(i).command("PUBSUB", "NUMSUB", channel);
            nodes += Long.parseLong(String.valueOf(reply.get(1))) > 0 ? 1 : 0;
        }
        return nodes;
    }

    @Test
    void aFreshAttemptDoesNotBargePastAWaiterOfAnotherEngine() throws Exception {
        try (Redlock first = engine(Duration.ofMillis(50)); Redlock second = engine(Duration.ofMillis(50))) {
            LockRequest request = LockRequest.of("barge", TTL).withWaitTime(Duration.ofSeconds(30));
            Lease held = first.tryLock(request).lease().orElseThrow();
            CompletableFuture<LockResult> waiting = second.tryLockAsync(request).toCompletableFuture();
            await().atMost(Duration.ofSeconds(10)).until(() -> queueSize("barge") == 3);

            // The holder releases and at once asks again: the waiter of the other engine goes first.
            held.release();
            CompletableFuture<LockResult> again = first.tryLockAsync(request).toCompletableFuture();
            LockResult waited = waiting.get(30, TimeUnit.SECONDS);

            assertThat(waited.isAcquired()).as("the waiter: %s", waited).isTrue();
            assertThat(again.isDone()).as("the fresh attempt is still waiting behind it").isFalse();
            waited.lease().orElseThrow().release();
            assertThat(again.get(30, TimeUnit.SECONDS).isAcquired()).isTrue();
            again.join().lease().orElseThrow().release();
            assertNothingLeft(first, "barge");
            assertNothingLeft(second, "barge");
        }
    }

    @Test
    void waitersOfDifferentEnginesAreServedInTheOrderTheyStartedWaiting() throws Exception {
        List<Redlock> engines = new ArrayList<>();
        try (Redlock holder = engine(Duration.ofMillis(50))) {
            Lease held = holder.lock("order", TTL).orElseThrow();
            List<Integer> served = java.util.Collections.synchronizedList(new ArrayList<>());
            List<CompletableFuture<?>> done = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int index = i;
                Redlock engine = engine(Duration.ofMillis(50)); // polling every 50 ms as well: the queue decides
                engines.add(engine);
                done.add(engine.tryLockAsync(LockRequest.of("order", TTL).withWaitTime(Duration.ofSeconds(30)))
                        .thenCompose(result -> {
                            served.add(index);
                            return result.lease().orElseThrow().releaseAsync();
                        }).toCompletableFuture());
                await().atMost(Duration.ofSeconds(10)).until(() -> entriesOnEveryNode("order") == index + 1);
            }

            held.release();
            CompletableFuture.allOf(done.toArray(CompletableFuture<?>[]::new)).get(30, TimeUnit.SECONDS);

            assertThat(served).as("served in the order they started waiting, one at a time").containsExactly(0, 1, 2, 3);
        } finally {
            engines.forEach(Redlock::close);
        }
    }

    @Test
    void aReleaseWakesOnlyTheWaiterWhoseTurnItIs() throws Exception {
        List<Redlock> engines = new ArrayList<>();
        try (Redlock holder = engine(NO_POLLING)) {
            Lease held = holder.lock("turns", TTL).orElseThrow();
            List<CompletableFuture<?>> done = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Redlock engine = engine(NO_POLLING); // no polling: every attempt after the first is a notice's
                engines.add(engine);
                done.add(engine.tryLockAsync(LockRequest.of("turns", TTL).withWaitTime(Duration.ofSeconds(30)))
                        .thenCompose(result -> result.lease().orElseThrow().releaseAsync()).toCompletableFuture());
                int queued = i + 1;
                await().atMost(Duration.ofSeconds(10)).until(() -> entriesOnEveryNode("turns") == queued);
            }
            // The subscriptions' confirmations wake each waiter once more: let those attempts end first.
            awaitAttemptsSettled();
            long[] before = queuedAttempts();

            held.release();
            CompletableFuture.allOf(done.toArray(CompletableFuture<?>[]::new)).get(30, TimeUnit.SECONDS);

            for (int i = 0; i < 3; i++) {
                // Four hand-offs, each made by the release itself: no attempt, but for a hand-over a waiter
                // could not count. Waking the next waiter to attempt made 4 to 6; every waiter attempting
                // at every release, as before that, 10 and more.
                assertThat(queuedAttempts(i) - before[i]).as("waiting attempts node %d answered during the four hand-offs", i)
                        .isBetween(0L, 2L);
            }
        } finally {
            engines.forEach(Redlock::close);
        }
    }

    @Test
    void aWaiterThatGivesUpWakesTheOneRightBehindIt() throws Exception {
        try (Redlock holder = engine(NO_POLLING); Redlock first = engine(NO_POLLING); Redlock second = engine(NO_POLLING)) {
            Lease held = holder.lock("gives-up", TTL).orElseThrow();
            CompletableFuture<LockResult> leaving = first.tryLockAsync(LockRequest.of("gives-up", TTL)
                    .withWaitTime(Duration.ofSeconds(2))).toCompletableFuture();
            await().atMost(Duration.ofSeconds(10)).until(() -> entriesOnEveryNode("gives-up") == 1);
            CompletableFuture<LockResult> staying = second.tryLockAsync(LockRequest.of("gives-up", TTL)
                    .withWaitTime(Duration.ofSeconds(30))).toCompletableFuture();
            await().atMost(Duration.ofSeconds(10)).until(() -> entriesOnEveryNode("gives-up") == 2);

            assertThat(leaving.get(10, TimeUnit.SECONDS).failure()).isEqualTo(LockFailure.CONTENDED);
            held.release(); // the second waited for the first's release: its leaving said it will not come

            LockResult result = staying.get(20, TimeUnit.SECONDS);
            assertThat(result.isAcquired()).as("woken by the release (no polling): %s", result).isTrue();
            result.lease().orElseThrow().release();
        }
    }

    /**
     * Waiting attempts of placed waiters node {@code index} has answered so far: only the queue script
     * calls ZADD here (a placed waiter's attempt always does; no fill-in runs in these tests).
     */
    private static long queuedAttempts(int index) {
        String info = String.valueOf(redis.node(index).command("INFO", "commandstats"));
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("cmdstat_zadd:calls=(\\d+)").matcher(info);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }

    /** {@link #queuedAttempts(int)} of the 3 nodes. */
    private static long[] queuedAttempts() {
        return new long[] {queuedAttempts(0), queuedAttempts(1), queuedAttempts(2)};
    }

    /** No node answered a waiting attempt since {@code before} ({@link #queuedAttempts()}). */
    private static void assertNoWaitingAttemptSince(long[] before, String when) {
        for (int i = 0; i < 3; i++) {
            assertThat(queuedAttempts(i) - before[i]).as("waiting attempts node %d answered %s", i, when).isZero();
        }
    }

    /** Waits until no waiting attempt reached any node for 300 ms (the subscriptions' confirmations wake each waiter once). */
    private static void awaitAttemptsSettled() {
        long[] last = {-1};
        await().atMost(Duration.ofSeconds(10)).during(Duration.ofMillis(300)).until(() -> {
            long now = queuedAttempts(0) + queuedAttempts(1) + queuedAttempts(2);
            boolean still = now == last[0];
            last[0] = now;
            return still;
        });
    }

    @Test
    void aReleaseHandsTheLockToTheWaiterAtTheHeadOfTheQueueWithoutAnotherAttempt() throws Exception {
        try (Redlock holder = engine(NO_POLLING); Redlock waiter = engine(NO_POLLING)) {
            Lease held = holder.lock("handed", TTL).orElseThrow();
            CompletableFuture<LockResult> waiting = waiter.tryLockAsync(LockRequest.of("handed", TTL)
                    .withWaitTime(Duration.ofSeconds(30))).toCompletableFuture();
            await().atMost(Duration.ofSeconds(10)).until(() -> entriesOnEveryNode("handed") == 1
                    && waiter.waiters().subscriptions() == 1);
            awaitAttemptsSettled();
            long[] before = queuedAttempts();

            assertThat(held.release()).isTrue();
            LockResult result = waiting.get(30, TimeUnit.SECONDS);

            assertThat(result.isAcquired()).as("granted within the wait with no polling: %s", result).isTrue();
            // The release set the key for the waiter: its notice is the grant, no attempt follows.
            assertNoWaitingAttemptSince(before, "after the release");
            List<Object> keys = redis.nodes().values("handed");
            assertThat(keys).as("the key on each node, the waiter's value").doesNotContainNull().containsOnly(keys.get(0));
            assertThat(result.lease().orElseThrow().release()).as("released on a quorum").isTrue();
            assertThat(redis.nodes().values("handed")).as("the key on each node after the release").containsOnlyNulls();
            assertNothingLeft(waiter, "handed");
        }
    }

    @Test
    void aGrantByHandOversFillsInTheNodeWhereItsFailedAttemptHadSetTheKey() throws Exception {
        // Another value holds nodes 1 and 2 only: each waiting attempt sets node 0, fails, and releases it.
        try (Redlock others = Redlock.builder().servers(redis.uris().subList(1, 3)).build();
                Redlock waiter = engine(NO_POLLING)) {
            Lease onOthers = others.lock("filled", TTL, "holder").orElseThrow();
            CompletableFuture<LockResult> waiting = waiter.tryLockAsync(LockRequest.of("filled", TTL)
                    .withWaitTime(Duration.ofSeconds(30))).toCompletableFuture();
            await().atMost(Duration.ofSeconds(10)).until(() -> entriesOnEveryNode("filled") == 1
                    && waiter.waiters().subscriptions() == 1);
            awaitAttemptsSettled();
            assertThat(redis.node(0).command("GET", "filled")).as("node 0, released by the failed attempt").isNull();

            assertThat(onOthers.release()).isTrue(); // hands nodes 1 and 2 over: a majority
            LockResult result = waiting.get(10, TimeUnit.SECONDS);
            assertThat(result.isAcquired()).as("%s", result).isTrue();

            // The latest attempt's OK on node 0 was released again: the lease's fill-in sets it promptly
            // (a fill-in try a 64th of the TTL apart), not at its first check a third of the TTL later.
            Object value = redis.node(1).command("GET", "filled");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(redis.node(0).command("GET", "filled"))
                    .as("node 0's key").isEqualTo(value));
            result.lease().orElseThrow().release();
            assertNothingLeft(waiter, "filled");
        }
    }

    @Test
    void aWaiterThatGivesUpGivesBackTheNodeAReleaseHandedToIt() throws Exception {
        // The same known value holds node 0 through one engine and nodes 1 and 2 through another, so
        // that node 0 alone can be released: it hands the key to the waiter, which then lacks a quorum.
        Redlock.Builder nodeZero = Redlock.builder().servers(redis.uris().subList(0, 1));
        Redlock.Builder nodesOneAndTwo = Redlock.builder().servers(redis.uris().subList(1, 3));
        try (Redlock zero = nodeZero.build(); Redlock others = nodesOneAndTwo.build();
                Redlock waiter = engine(NO_POLLING)) {
            Lease onZero = zero.lock("given-back", TTL, "holder").orElseThrow();
            others.lock("given-back", TTL, "holder").orElseThrow();
            CompletableFuture<LockResult> waiting = waiter.tryLockAsync(LockRequest.of("given-back", TTL)
                    .withWaitTime(Duration.ofSeconds(3))).toCompletableFuture();
            await().atMost(Duration.ofSeconds(10)).until(() -> entriesOnEveryNode("given-back") == 1
                    && waiter.waiters().subscriptions() == 1);
            awaitAttemptsSettled();

            assertThat(onZero.release()).isTrue();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(redis.node(0).command("GET", "given-back"))
                    .as("node 0's key, handed to the waiter").isNotNull().isNotEqualTo("holder"));

            assertThat(waiting.get(10, TimeUnit.SECONDS).failure()).isEqualTo(LockFailure.CONTENDED);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(redis.node(0).command("GET", "given-back"))
                    .as("node 0's key once the waiter gave up").isNull());
            assertNothingLeft(waiter, "given-back");
        }
    }

    /** The fewest entries in the waiter queue of {@code resource} on any node. */
    private static int entriesOnEveryNode(String resource) {
        int fewest = Integer.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            fewest = Math.min(fewest, Integer.parseInt(String.valueOf(redis.node(i).command("ZCARD",
                    Waiting.queueKey(resource)))));
        }
        return fewest;
    }

    @Test
    void aDeadWaitersEntryBlocksOnlyUntilItIsNoLongerFresh() {
        try (Redlock redlock = engine(Duration.ofMillis(100))) {
            // A waiter that died while first in the queues: fresh for 1 s more by the servers' clocks,
            // from after the engine was built (its connecting takes none of that second).
            for (int i = 0; i < 3; i++) {
                redis.node(i).command("ZADD", Waiting.queueKey("ghost"), "0", (serverMillis(i) + 1000) + ":dead-waiter");
            }
            LockResult result = redlock.tryLock(LockRequest.of("ghost", TTL).withWaitTime(Duration.ofSeconds(20)));

            assertThat(result.isAcquired()).as("%s", result).isTrue();
            assertThat(result.attempts()).as("refused while the dead waiter's entry was fresh").isGreaterThan(1);
            result.lease().orElseThrow().release();
            assertNothingLeft(redlock, "ghost");
        }
    }

    private static long serverMillis(int node) {
        List<?> time = (List<?>) redis.node(node).command("TIME");
        return Long.parseLong(time.get(0).toString()) * 1000 + Long.parseLong(time.get(1).toString()) / 1000;
    }

    @Test
    void aQueueEntryStaysFreshNoLongerThanTheCeilingWhateverTheRetryDelay() throws Exception {
        try (Redlock holder = engine(NO_POLLING); Redlock waiter = engine(NO_POLLING)) {
            Lease held = holder.lock("ceiling", TTL).orElseThrow();
            CompletableFuture<LockResult> waiting = waiter.tryLockAsync(LockRequest.of("ceiling", TTL)
                    .withWaitTime(Duration.ofSeconds(60))).toCompletableFuture();
            await().atMost(Duration.ofSeconds(10)).until(() -> queueSize("ceiling") == 3);

            // Should it die now, its entry blocks the others until freshUntil.
            String member = String.valueOf(((List<?>) redis.node(0).command("ZRANGE", Waiting.queueKey("ceiling"), "0", "0"))
                    .get(0));
            long freshFor = Long.parseLong(member.substring(0, member.indexOf(';'))) - serverMillis(0); // freshUntil;ttl;attempt:value
            assertThat(freshFor).as("ms the entry stays fresh (retry delay 120 s)").isLessThanOrEqualTo(30_000);

            waiting.cancel(false);
            held.release();
            assertNothingLeft(waiter, "ceiling");
        }
    }

    @Test
    void aQueueMemberNotWrittenByAWaiterIsDropped() {
        for (int i = 0; i < 3; i++) {
            redis.node(i).command("ZADD", Waiting.queueKey("garbled"), "0", "no-colon");
        }
        try (Redlock redlock = engine(Duration.ofMillis(100))) {
            LockResult result = redlock.tryLock(LockRequest.of("garbled", TTL).withWaitTime(Duration.ofSeconds(2)));

            assertThat(result.isAcquired()).as("%s", result).isTrue();
            assertThat(result.attempts()).as("attempts").isEqualTo(1);
            result.lease().orElseThrow().release();
            assertNothingLeft(redlock, "garbled");
        }
    }

    @Test
    void tenThousandAsyncWaitersOnAThousandKeysLeaveNothingBehind() throws Exception {
        int keys = 1_000;
        int perKey = 10;
        try (Redlock holder = engine(Duration.ofMillis(200)); Redlock waiter = engine(Duration.ofMillis(200))) {
            List<Lease> held = new ArrayList<>();
            for (int k = 0; k < keys; k++) {
                held.add(holder.lock("many:" + k, TTL).orElseThrow());
            }
            List<CompletableFuture<LockResult>> waiting = new ArrayList<>();
            for (int i = 0; i < keys * perKey; i++) {
                waiting.add(waiter.tryLockAsync(LockRequest.of("many:" + (i % keys), TTL)
                        .withWaitTime(Duration.ofSeconds(60))).toCompletableFuture());
            }
            assertThat(waiter.waiters().waiting()).as("waiting in the engine's lines").isEqualTo(keys * perKey);
            await().atMost(Duration.ofSeconds(30)).until(() -> waiter.waiters().subscriptions() == keys);
            assertThat(waiter.waiters().lines()).isEqualTo(keys);
            assertThat(Thread.activeCount()).as("threads while 10,000 calls wait: none of them holds one").isLessThan(500);

            // Half give up: cancelled, in the line or leading it.
            for (int i = 0; i < waiting.size(); i += 2) {
                waiting.get(i).cancel(false);
            }
            // The rest are granted in turn, each releasing at once.
            List<CompletableFuture<?>> granted = new ArrayList<>();
            for (int i = 1; i < waiting.size(); i += 2) {
                granted.add(waiting.get(i).thenCompose(result -> result.lease().orElseThrow().releaseAsync()));
            }
            held.forEach(Lease::release);
            CompletableFuture.allOf(granted.toArray(CompletableFuture<?>[]::new)).get(60, TimeUnit.SECONDS);

            for (int k = 0; k < keys; k += 97) {
                assertNothingLeft(waiter, "many:" + k);
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(waiter.waiters().waiting()).as("waiting").isZero();
                assertThat(waiter.waiters().lines()).as("lines").isZero();
                assertThat(waiter.waiters().subscriptions()).as("subscriptions").isZero();
                assertThat(waiter.waiters().timers()).as("timers").isZero();
                assertThat(queueKeys()).as("waiter queues on the nodes").isZero();
            });
        }
    }

    @Test
    void closingTheEngineEndsItsWaitersAndLeavesNothingBehind() throws Exception {
        try (Redlock holder = engine(Duration.ofMillis(200))) {
            holder.lock("closing", TTL).orElseThrow();
            Redlock waiter = engine(Duration.ofMillis(200));
            List<CompletableFuture<LockResult>> waiting = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                waiting.add(waiter.tryLockAsync(LockRequest.of("closing", TTL).withWaitTime(Duration.ofSeconds(60)))
                        .toCompletableFuture());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> queueSize("closing") == 3);

            waiter.close();

            for (CompletableFuture<LockResult> call : waiting) {
                assertThat(call.get(10, TimeUnit.SECONDS).failure()).isEqualTo(LockFailure.INTERRUPTED);
            }
            assertThat(waiter.waiters().waiting()).isZero();
            assertThat(waiter.waiters().subscriptions()).isZero();
            assertThat(waiter.waiters().timers()).isZero();
            assertThat(queueSize("closing")).as("entries left in the nodes' queues").isZero();
        }
    }

    @Test
    void aUserWhoseAclAllowsNoQueueNorChannelStillWaitsAndReleases() throws Exception {
        List<String> uris = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // No sorted sets and no channels: Redis 7's default for new users is no channel at all.
            redis.node(i).command("ACL", "SETUSER", "plain", "on", ">secret", "~*", "+@all", "-@sortedset", "resetchannels");
            uris.add("redis://plain:secret@" + redis.node(i).host() + ":" + redis.node(i).port());
        }
        try (Redlock holder = engine(Duration.ofMillis(100));
                Redlock restricted = Redlock.builder().servers(uris.toArray(String[]::new)).retryCount(0)
                        .retryDelay(Duration.ofMillis(100)).retryJitter(Duration.ZERO).build()) {
            Lease held = holder.lock("acl", TTL).orElseThrow();
            CompletableFuture<LockResult> waiting = restricted.tryLockAsync(LockRequest.of("acl", TTL)
                    .withWaitTime(Duration.ofSeconds(30))).toCompletableFuture();
            await().atMost(Duration.ofSeconds(10)).until(() -> restricted.waiters().subscriptions() == 1);
            held.release();

            LockResult result = waiting.get(30, TimeUnit.SECONDS);
            assertThat(result.isAcquired()).as("granted by polling: %s", result).isTrue();
            assertThat(result.lease().orElseThrow().release()).as("released although PUBLISH is refused").isTrue();
            assertThat(queueSize("acl")).isZero();
        } finally {
            for (int i = 0; i < 3; i++) {
                redis.node(i).command("ACL", "DELUSER", "plain");
            }
        }
    }

    @Test
    void aQueueEntryWrittenBeforeTheAclRefusedItsExpiryIsStillRemoved() throws Exception {
        List<String> uris = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // The queue's ZADD is allowed, the PTTL that follows it is not (PEXPIRE is required for locks).
            redis.node(i).command("ACL", "SETUSER", "noexpiry", "on", ">secret", "~*", "+@all", "-pttl");
            uris.add("redis://noexpiry:secret@" + redis.node(i).host() + ":" + redis.node(i).port());
        }
        try (Redlock holder = engine(Duration.ofMillis(100));
                Redlock restricted = Redlock.builder().servers(uris.toArray(String[]::new)).retryCount(0)
                        .retryDelay(Duration.ofMillis(100)).retryJitter(Duration.ZERO).build()) {
            Lease held = holder.lock("noexpiry", TTL).orElseThrow();
            CompletableFuture<LockResult> waiting = restricted.tryLockAsync(LockRequest.of("noexpiry", TTL)
                    .withWaitTime(Duration.ofSeconds(30))).toCompletableFuture();
            await().atMost(Duration.ofSeconds(10)).until(() -> queueSize("noexpiry") == 3); // entries without a TTL
            held.release();

            LockResult result = waiting.get(30, TimeUnit.SECONDS);
            assertThat(result.isAcquired()).as("%s", result).isTrue();
            assertThat(result.lease().orElseThrow().release()).isTrue();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(queueSize("noexpiry"))
                    .as("nodes that keep the waiter's queue (it has no TTL)").isZero());
        } finally {
            for (int i = 0; i < 3; i++) {
                redis.node(i).command("ACL", "DELUSER", "noexpiry");
            }
        }
    }

    @Test
    void aResourceNamedAsAnotherResourcesQueueMakesThatResourceLookHeld() throws Exception {
        try (Redlock redlock = engine(Duration.ofMillis(100))) {
            Lease clash = redlock.lock("clash" + Waiting.QUEUE_SUFFIX, TTL).orElseThrow();

            LockResult result = redlock.tryLock(LockRequest.of("clash", TTL).withWaitTime(Duration.ofMillis(500)));

            // The queue key holds a string: the waiting script fails with WRONGTYPE, which counts as held.
            assertThat(result.failure()).as("%s", result).isEqualTo(LockFailure.CONTENDED);
            assertThat(result.nodes()).as("%s", result).allSatisfy(node -> {
                assertThat(node.status()).isEqualTo(NodeStatus.HELD_BY_OTHER);
                assertThat(node.detail()).contains("WRONGTYPE");
            });
            clash.release();
        }
    }

    @Test
    void aReleasesPublishIsRunByTheNodesReplicasToo() {
        redis.node(1).command("REPLICAOF", redis.node(0).host(), String.valueOf(redis.node(0).port()));
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> String.valueOf(redis.node(1).command("INFO", "replication"))
                    .contains("master_link_status:up"));
            redis.node(1).command("CONFIG", "RESETSTAT");
            try (Redlock single = Redlock.builder().servers(redis.node(0).uri()).build()) {
                assertThat(single.lock("replicated", TTL).orElseThrow().release()).isTrue();
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(String.valueOf(
                    redis.node(1).command("INFO", "commandstats"))).as("the replica's command stats")
                    .contains("cmdstat_publish:calls=1,"));
        } finally {
            redis.node(1).command("REPLICAOF", "NO", "ONE");
        }
    }

    @Test
    void theDocumentedAclForWaitingQueuesAndWakes() throws Exception {
        // safety.md's ACL for keyPrefix("lock:"), plus what waiting.md adds.
        List<String> rules = List.of("~lock:*", "resetchannels", "-@all", "+set", "+get", "+del", "+pexpire", "+eval",
                "+evalsha", "+ping", "&redlock:released:lock:*", "+publish", "+subscribe", "+unsubscribe", "+zadd",
                "+zrange", "+zrem", "+pttl", "+time");
        List<String> uris = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<String> command = new ArrayList<>(List.of("ACL", "SETUSER", "waiter", "reset", "on", ">secret"));
            command.addAll(rules);
            redis.node(i).command(command.toArray(String[]::new));
            uris.add("redis://waiter:secret@" + redis.node(i).host() + ":" + redis.node(i).port());
        }
        try (Redlock holder = Redlock.builder().servers(uris.toArray(String[]::new)).keyPrefix("lock:").build();
                Redlock waiter = Redlock.builder().servers(uris.toArray(String[]::new)).keyPrefix("lock:").retryCount(0)
                        .retryDelay(NO_POLLING).retryJitter(Duration.ZERO).build()) {
            for (int i = 0; i < 3; i++) {
                redis.node(i).command("ACL", "LOG", "RESET");
            }
            Lease held = holder.lock("acl-waiting", TTL).orElseThrow();
            CompletableFuture<LockResult> waiting = waiter.tryLockAsync(LockRequest.of("acl-waiting", TTL)
                    .withWaitTime(Duration.ofSeconds(30))).toCompletableFuture();
            await().atMost(Duration.ofSeconds(10)).until(() -> queueSize("lock:acl-waiting") == 3
                    && waiter.waiters().subscriptions() == 1);
            awaitAttemptsSettled();
            long[] before = queuedAttempts();
            held.release();

            LockResult result = waiting.get(30, TimeUnit.SECONDS);
            assertThat(result.isAcquired()).as("woken by a notice (no polling): %s", result).isTrue();
            assertNoWaitingAttemptSince(before, "after the release: it handed over");
            assertThat(result.lease().orElseThrow().release()).isTrue();
            assertThat(queueSize("lock:acl-waiting")).isZero();
            for (int i = 0; i < 3; i++) {
                // The startup checks' CONFIG GET is refused too (this ACL has no +info): only the scripts' refusals count here.
                assertThat(String.valueOf(redis.node(i).command("ACL", "LOG"))).as("commands node %d refused the user in scripts", i)
                        .doesNotContain("lua");
            }
        } finally {
            for (int i = 0; i < 3; i++) {
                redis.node(i).command("ACL", "DELUSER", "waiter");
            }
        }
    }

    /** How many of the 3 nodes have a waiter queue for {@code resource}. */
    private static int queueSize(String resource) {
        int queues = 0;
        for (int i = 0; i < 3; i++) {
            Object exists = redis.node(i).command("EXISTS", Waiting.queueKey(resource));
            queues += "1".equals(String.valueOf(exists)) ? 1 : 0;
        }
        return queues;
    }

    /** Waiter queues on all nodes. */
    private static int queueKeys() {
        int count = 0;
        for (int i = 0; i < 3; i++) {
            count += ((List<?>) redis.node(i).command("KEYS", "*" + Waiting.QUEUE_SUFFIX)).size();
        }
        return count;
    }

    private static void assertNothingLeft(Redlock redlock, String resource) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(queueSize(resource)).as("waiter queues of %s", resource).isZero();
            assertThat(redlock.waiters().subscriptions()).as("subscriptions").isZero();
            assertThat(redlock.waiters().timers()).as("timers").isZero();
        });
    }
}
