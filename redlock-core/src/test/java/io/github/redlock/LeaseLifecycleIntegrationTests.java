package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lifecycle of a lease against three real redis-server processes: what a failed lock call, a
 * failed renewal, {@code close()} and leases left to expire may and may not do to it (review
 * 2026-12, findings 1, 3, 6 and 10).
 */
@Timeout(90)
class LeaseLifecycleIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3).withProxies();

    private static final Duration TTL = Duration.ofSeconds(10);

    private final List<Redlock> opened = new ArrayList<>();

    /** Daemon threads: a call that never returns must not keep the JVM alive. */
    private final ExecutorService callers = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "lease-lifecycle-caller");
        thread.setDaemon(true);
        return thread;
    });

    @AfterEach
    void closeAll() {
        callers.shutdownNow();
        opened.forEach(Redlock::close);
    }

    private Redlock redlock(Redlock.Builder builder) {
        Redlock redlock = builder.timeout(Duration.ofMillis(250)).build();
        opened.add(redlock);
        return redlock;
    }

    private Redlock direct(Redlock.Builder builder) {
        return redlock(builder.servers(redis.uris()));
    }

    /** Finding 1: a failed call with a value that is already held must leave that lock as it is. */
    @Test
    void aFailedLockWithTheSameKnownValueLeavesTheLiveLeaseAlone() throws Exception {
        Redlock redlock = direct(Redlock.builder());
        Lease first = redlock.lock("job", TTL, "host-a").orElseThrow();

        Optional<Lease> second = CompletableFuture.supplyAsync(() -> redlock.lock("job", TTL, "host-a"), callers)
                .get(30, TimeUnit.SECONDS);

        assertThat(second).as("a second lock call with the value the live lease holds").isEmpty();
        for (int i = 0; i < 3; i++) {
            assertThat(redis.node(i).command("GET", "job")).as("value of 'job' on node %d", i).isEqualTo("host-a");
            assertThat((Long) redis.node(i).command("PTTL", "job")).as("PTTL of 'job' on node %d", i)
                    .isBetween(1L, TTL.toMillis());
        }
        assertThat(first.isValid()).isTrue();
    }

    /** Finding 1, without retries: the failed call must not open the lock to a third client. */
    @Test
    void aFailedLockWithTheSameKnownValueLetsNoOtherClientIn() throws Exception {
        Redlock redlock = direct(Redlock.builder().retryCount(0));
        Redlock third = direct(Redlock.builder().retryCount(0));
        Lease first = redlock.lock("job", TTL, "host-a").orElseThrow();

        Optional<Lease> second = CompletableFuture.supplyAsync(() -> redlock.lock("job", TTL, "host-a"), callers)
                .get(30, TimeUnit.SECONDS);
        Optional<Lease> other = third.lock("job", TTL);

        assertThat(second).isEmpty();
        assertThat(first.isValid()).as("the first lease is still valid").isTrue();
        assertThat(other).as("a third client's lock, while the first lease is valid").isEmpty();
    }

    /**
     * Finding 3: a renewal to a shorter TTL whose replies were lost on 2 of 3 nodes shortened the
     * keys all the same. Either the old lease must not report more validity than the shorter TTL,
     * or the keys must not have been shortened (no other client can take the lock meanwhile).
     */
    @Test
    void aFailedShorteningRenewalLeavesNoLeaseValidLongerThanItsKeys() {
        Redlock redlock = redlock(Redlock.builder().servers(redis.proxiedUris()).retryCount(0));
        Redlock other = direct(Redlock.builder());
        Lease lease = redlock.lock("ext", TTL).orElseThrow();
        redis.proxy(1).dropReplies();
        redis.proxy(2).dropReplies();

        Optional<Lease> renewed = redlock.extend(lease, Duration.ofMillis(300));

        assertThat(renewed).as("renewal answered by 1 of 3 nodes").isEmpty();
        Duration remaining = lease.remaining();
        if (remaining.compareTo(Duration.ofMillis(300)) > 0) {
            // The lease still claims more than the 300 ms the renewal asked for: then its keys must
            // still stand. Trying for 1.5 s (well past 300 ms) is enough to see a shortened key go.
            Duration wait = remaining.compareTo(Duration.ofMillis(1500)) < 0 ? remaining : Duration.ofMillis(1500);
            LockResult taken = other.tryLock("ext", TTL, wait);
            assertThat(taken.isAcquired())
                    .as("another client acquired 'ext' after a failed renewal to 300 ms, while the old lease "
                            + "reported %d ms remaining (still valid: %s)", remaining.toMillis(), lease.isValid())
                    .isFalse();
        }
    }

    /** Finding 6: closing the Redlock ends a blocking tryLock that is waiting for a held lock. */
    @Test
    void closeEndsATryLockThatIsWaitingForTheLock() throws Exception {
        Redlock holder = direct(Redlock.builder());
        Redlock redlock = direct(Redlock.builder());
        holder.lock("busy", TTL).orElseThrow();
        CompletableFuture<LockResult> waiting = CompletableFuture.supplyAsync(
                () -> redlock.tryLock("busy", TTL, Duration.ofSeconds(20)), callers);
        // Retrying: still waiting after a few attempts (one every 200-300 ms).
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(5)).until(() -> !waiting.isDone());

        redlock.close();

        assertEndedNotAcquired(waiting);
    }

    /** Finding 6, asynchronously: closing the Redlock completes the stage of a waiting tryLockAsync. */
    @Test
    void closeCompletesAnAsyncTryLockThatIsWaitingForTheLock() throws Exception {
        Redlock holder = direct(Redlock.builder());
        Redlock redlock = direct(Redlock.builder());
        holder.lock("busy", TTL).orElseThrow();
        CompletableFuture<LockResult> waiting =
                redlock.tryLockAsync(LockRequest.of("busy", TTL).withWaitTime(Duration.ofSeconds(20))).toCompletableFuture();
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(5)).until(() -> !waiting.isDone());

        redlock.close();

        assertEndedNotAcquired(waiting);
    }

    /** Finding 10: leases left to expire are not kept by the Redlock once they have run out. */
    @Test
    void expiredLeasesThatWereNeverReleasedAreNotKeptWithoutBound() {
        Redlock redlock = direct(Redlock.builder().retryCount(0));
        int count = 1_500;
        List<Lease> granted = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            redlock.lock("short-" + i, Duration.ofMillis(20)).ifPresent(granted::add);
        }
        assertThat(granted).as("leases granted").hasSizeGreaterThan(1_100);
        await().atMost(Duration.ofSeconds(5)).until(() -> granted.stream().noneMatch(Lease::isValid));

        redlock.lock("one-more", Duration.ofSeconds(10)).orElseThrow();

        // Locks that ran out unreleased are forgotten in amortised constant time as the table grows.
        assertThat(redlock.heldTableSize()).as("entries kept for %d expired, unreleased leases", granted.size())
                .isLessThanOrEqualTo(1_024);
        assertThat(redlock.heldLeases()).extracting(Lease::resource).containsExactly("one-more");
        assertThat(redlock.heldTableSize()).as("after heldLeases() swept").isEqualTo(1);
    }

    private static void assertEndedNotAcquired(CompletableFuture<LockResult> waiting) throws Exception {
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .alias("the waiting lock call to complete within 5 s after close()")
                .until(waiting::isDone);
        LockResult result = waiting.get(0, TimeUnit.SECONDS);
        assertThat(result.isAcquired()).isFalse();
        assertThat(result.failure()).isIn(LockFailure.UNAVAILABLE, LockFailure.INTERRUPTED);
    }
}
