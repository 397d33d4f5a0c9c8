package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RedlockListener}: what the engine reports of each call, against three real redis-server processes. */
class RedlockListenerIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final Duration TTL = Duration.ofSeconds(10);

    private final List<Redlock> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(Redlock::close);
    }

    private Redlock redlock(RedlockListener listener) {
        Redlock redlock = Redlock.builder().servers(redis.uris()).retryCount(1).listener(listener).build();
        opened.add(redlock);
        return redlock;
    }

    @Test
    void aLockCallIsReportedOnTheCallingThreadThenItsResultOnce() {
        Recorder recorder = new Recorder();
        Redlock redlock = redlock(recorder);

        LockResult result = redlock.tryLock(LockRequest.of("invoice:42", TTL).withName("invoice"));

        assertThat(recorder.requests).singleElement().satisfies(request -> {
            assertThat(request.resource()).isEqualTo("invoice:42");
            assertThat(request.name()).contains("invoice");
        });
        assertThat(recorder.requestThreads).containsExactly(Thread.currentThread().getName());
        recorder.awaitResults(1);
        assertThat(recorder.results).containsExactly(result);
        assertThat(result.isAcquired()).isTrue();
    }

    @Test
    void aRefusedLockIsReportedWithItsFailureAndWhatEachNodeDid() {
        Recorder recorder = new Recorder();
        Redlock holder = redlock(new RedlockListener() { });
        Redlock redlock = redlock(recorder);
        holder.tryLock("report", TTL).leaseOrThrow();

        LockResult refused = redlock.tryLock("report", TTL);

        assertThat(refused.isAcquired()).isFalse();
        recorder.awaitResults(1);
        assertThat(recorder.results).singleElement().satisfies(reported -> {
            assertThat(reported.failure()).isEqualTo(LockFailure.CONTENDED);
            assertThat(reported.nodes()).hasSize(3).allMatch(node -> node.status() == NodeStatus.HELD_BY_OTHER);
            assertThat(reported.attempts()).isEqualTo(2);
        });
    }

    @Test
    void releasesAndRenewalsAreReportedWithEachNodesOutcome() {
        Recorder recorder = new Recorder();
        Redlock redlock = redlock(recorder);
        Lease lease = redlock.tryLock("renewed", TTL).leaseOrThrow();

        Lease renewed = redlock.extend(lease, TTL).orElseThrow();
        assertThat(redlock.release(renewed)).isTrue();
        assertThat(redlock.release(renewed)).as("a lease ends once: nothing is sent, nothing reported").isFalse();
        assertThat(redlock.release("renewed", renewed.value())).isFalse();

        assertThat(recorder.renewals).singleElement().satisfies(renewal -> {
            assertThat(renewal.resource()).isEqualTo("renewed");
            assertThat(renewal.renewed()).isTrue();
            assertThat(renewal.nodes()).filteredOn(node -> node.status() == NodeStatus.OK).hasSizeGreaterThanOrEqualTo(2);
        });
        assertThat(recorder.releases).hasSize(2);
        assertThat(recorder.releases.get(0).released()).isTrue();
        assertThat(recorder.releases.get(0).nodes()).hasSize(3).allMatch(node -> node.status() == NodeStatus.OK);
        assertThat(recorder.releases.get(1).released()).isFalse();
        assertThat(recorder.releases.get(1).nodes()).hasSize(3).allMatch(node -> node.status() == NodeStatus.HELD_BY_OTHER);
    }

    @Test
    void aFillInIsReportedWithTheNodeItSetTheKeyOn() {
        Recorder recorder = new Recorder();
        Redlock redlock = redlock(recorder);
        // Node 2 refuses the grant for a moment (a competitor's key); fill-in sets the lease there afterwards.
        redis.node(2).command("SET", "filled", "someone-else", "PX", "150");

        Lease lease = redlock.tryLock("filled", TTL).leaseOrThrow();

        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.fillIns.stream().anyMatch(round -> round.created() == 1));
        RedlockListener.FillInRound created = recorder.fillIns.stream().filter(round -> round.created() == 1)
                .findFirst().orElseThrow();
        assertThat(created.resource()).isEqualTo("filled");
        assertThat(created.nodes()).singleElement().satisfies(node -> {
            assertThat(node.node()).isEqualTo(redis.uris().get(2));
            assertThat(node.status()).isEqualTo(NodeStatus.OK);
        });
        assertThat(redis.node(2).command("GET", "filled")).isEqualTo(lease.value());
    }

    @Test
    void anInterruptedWaitIsReportedOnceAsInterrupted() throws InterruptedException {
        Recorder recorder = new Recorder();
        Redlock holder = redlock(new RedlockListener() { });
        Redlock redlock = redlock(recorder);
        holder.tryLock("waited", TTL).leaseOrThrow();
        CountDownLatch asked = new CountDownLatch(1);
        recorder.onRequest = request -> asked.countDown();
        List<LockResult> returned = new ArrayList<>();

        Thread waiter = new Thread(() -> returned.add(redlock.tryLock("waited", TTL, Duration.ofSeconds(30))));
        waiter.start();
        assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();
        waiter.interrupt();
        waiter.join(10_000);

        assertThat(returned).singleElement().extracting(LockResult::failure).isEqualTo(LockFailure.INTERRUPTED);
        assertThat(recorder.results).singleElement().extracting(LockResult::failure).isEqualTo(LockFailure.INTERRUPTED);
    }

    @Test
    void aCancelledAsyncCallIsReportedAsInterrupted() {
        Recorder recorder = new Recorder();
        Redlock holder = redlock(new RedlockListener() { });
        Redlock redlock = redlock(recorder);
        holder.tryLock("cancelled", TTL).leaseOrThrow();

        redlock.tryLockAsync(LockRequest.of("cancelled", TTL).withWaitTime(Duration.ofSeconds(30))).toCompletableFuture().cancel(false);

        assertThat(recorder.results).singleElement().extracting(LockResult::failure).isEqualTo(LockFailure.INTERRUPTED);
    }

    @Test
    void aListenerThatThrowsDisturbsNeitherTheCallNorTheOtherListeners() {
        Recorder recorder = new Recorder();
        RedlockListener failing = new RedlockListener() {
            @Override
            public Consumer<LockResult> acquiring(LockRequest request) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void released(Release release) {
                throw new IllegalStateException("listener bug");
            }
        };
        Redlock redlock = Redlock.builder().servers(redis.uris()).listener(failing).listener(recorder).build();
        opened.add(redlock);

        Lease lease = redlock.tryLock("guarded", TTL).leaseOrThrow();
        assertThat(redlock.release(lease)).isTrue();

        recorder.awaitResults(1);
        assertThat(recorder.results).hasSize(1);
        assertThat(recorder.releases).hasSize(1);
    }

    @Test
    void aRemovedListenerHearsNothingMore() {
        Recorder recorder = new Recorder();
        Redlock redlock = redlock(new RedlockListener() { });
        redlock.addListener(recorder);
        redlock.release(redlock.tryLock("before", TTL).leaseOrThrow());

        redlock.removeListener(recorder);
        redlock.release(redlock.tryLock("after", TTL).leaseOrThrow());

        assertThat(recorder.requests).extracting(LockRequest::resource).containsExactly("before");
        assertThat(recorder.releases).extracting(RedlockListener.Release::resource).containsExactly("before");
    }

    @Test
    void aThousandConcurrentCallsAreEachReportedOnce() {
        Map<String, AtomicInteger> reported = new ConcurrentHashMap<>();
        Redlock redlock = redlock(new RedlockListener() {
            @Override
            public Consumer<LockResult> acquiring(LockRequest request) {
                return result -> reported.computeIfAbsent(result.resource(), r -> new AtomicInteger()).incrementAndGet();
            }
        });
        List<java.util.concurrent.CompletableFuture<LockResult>> calls = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            calls.add(redlock.tryLockAsync(LockRequest.of("many-" + i, TTL)).toCompletableFuture());
        }
        calls.forEach(java.util.concurrent.CompletableFuture::join);

        await().atMost(Duration.ofSeconds(10)).until(() -> reported.size() == 1_000);
        assertThat(reported.values()).allMatch(count -> count.get() == 1);
    }

    @Test
    void nullListenersAreRejected() {
        assertThatThrownBy(() -> Redlock.builder().listener(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("listener");
        Redlock redlock = redlock(new RedlockListener() { });
        assertThatThrownBy(() -> redlock.addListener(null)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Records every report; thread-safe. */
    private static final class Recorder implements RedlockListener {

        final List<LockRequest> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<String> requestThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<LockResult> results = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Release> releases = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Renewal> renewals = new java.util.concurrent.CopyOnWriteArrayList<>();
        final ConcurrentLinkedQueue<FillInRound> fillIns = new ConcurrentLinkedQueue<>();
        volatile Consumer<LockRequest> onRequest = request -> { };

        /** The result callback may run on an I/O thread just after the caller got the result. */
        void awaitResults(int count) {
            await().atMost(Duration.ofSeconds(10)).until(() -> results.size() >= count);
        }

        @Override
        public Consumer<LockResult> acquiring(LockRequest request) {
            requests.add(request);
            requestThreads.add(Thread.currentThread().getName());
            onRequest.accept(request);
            return results::add;
        }

        @Override
        public void released(Release release) {
            releases.add(release);
        }

        @Override
        public void renewed(Renewal renewal) {
            renewals.add(renewal);
        }

        @Override
        public void filledIn(FillInRound round) {
            fillIns.add(round);
        }
    }
}
