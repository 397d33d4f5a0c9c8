package io.github.redlock.shedlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.Redlock;
import io.github.redlock.RedlockListener;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.support.KeepAliveLockProvider;
import net.javacrumbs.shedlock.support.KeepAliveLockProviders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ShedLock's {@link KeepAliveLockProvider} on top of {@link RedlockLockProvider}, over three real
 * nodes: it extends the lock every half {@code lockAtMostFor} through the provider's quorum extend,
 * so the lock outlives its first {@code lockAtMostFor} while the task runs, and ends when the task
 * unlocks.
 */
@Timeout(60)
class KeepAliveLockProviderIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final Duration LOCK_AT_MOST_FOR = Duration.ofSeconds(1);

    private final List<Redlock> opened = new ArrayList<>();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void closeAll() {
        executor.shutdownNow();
        opened.forEach(Redlock::close);
    }

    private Redlock instance() {
        Redlock redlock = Redlock.builder().servers(redis.uris()).timeout(Duration.ofMillis(250)).build();
        opened.add(redlock);
        return redlock;
    }

    private static LockConfiguration config(String name) {
        return new LockConfiguration(ClockProvider.now(), name, LOCK_AT_MOST_FOR, Duration.ZERO);
    }

    @Test
    void keepsTheLockPastItsLockAtMostForUntilUnlocked() {
        Redlock redlock = instance();
        AtomicInteger extensions = new AtomicInteger();
        redlock.addListener(new RedlockListener() {
            @Override
            public void renewed(Renewal renewal) {
                if (renewal.renewed()) {
                    extensions.incrementAndGet();
                }
            }
        });
        KeepAliveLockProvider keepAlive = KeepAliveLockProviders.withMinimalLockAtMostFor(
                new RedlockLockProvider(redlock), executor, LOCK_AT_MOST_FOR);
        LockProvider otherInstance = new RedlockLockProvider(instance());

        Optional<SimpleLock> lock = keepAlive.lock(config("report"));
        assertThat(lock).isNotEmpty();
        // Three extensions, every half second: 1.5 s after the grant, half a second past the first lockAtMostFor.
        await().atMost(Duration.ofSeconds(10)).until(() -> extensions.get() >= 3);

        assertThat(otherInstance.lock(config("report"))).as("another instance, past the first lockAtMostFor").isEmpty();
        assertThat(redlock.heldLeases()).as("leases held by the kept-alive instance").hasSize(1);

        lock.get().unlock();
        assertThat(redlock.heldLeases()).as("leases held after unlock").isEmpty();
        Optional<SimpleLock> next = otherInstance.lock(config("report"));
        assertThat(next).as("another instance, after unlock").isNotEmpty();
        next.get().unlock();
    }
}
