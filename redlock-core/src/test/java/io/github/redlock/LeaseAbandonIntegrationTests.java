package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Lease#abandon()} on three real redis-server processes: it deletes at once only a lease no
 * work can have started under. Abandoning a lease while work runs, or may run, under it must neither
 * let another holder in while that work runs nor end the request's minimum hold early.
 */
@Timeout(60)
class LeaseAbandonIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final Duration TTL = Duration.ofSeconds(10);
    private static final Duration HOLD = Duration.ofSeconds(5);

    private final List<Redlock> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(Redlock::close);
    }

    private Redlock redlock() {
        Redlock redlock = Redlock.builder().servers(redis.uris()).timeout(Duration.ofMillis(250)).retryCount(0).build();
        opened.add(redlock);
        return redlock;
    }

    @Test
    void abandoningTheLeaseOfALockedCallWhileItsWorkRunsLetsNoOtherHolderIn() {
        Redlock redlock = redlock();
        Redlock other = redlock();

        LockedCall<Boolean> call = redlock.execute(LockRequest.of("abandon-work", TTL), lease -> {
            lease.abandon();
            // The work goes on under the lock: nobody else may hold it now.
            return other.tryLock("abandon-work", TTL).isAcquired();
        });

        assertThat(call.ran()).isTrue();
        assertThat(call.value()).as("another client acquired the lock while the work that abandoned its lease"
                + " still ran under it").contains(false);
    }

    @Test
    void abandoningAUsableLeaseKeepsItsMinimumHold() {
        Redlock redlock = redlock();
        Redlock other = redlock();
        Lease lease = redlock.tryLock(LockRequest.of("abandon-hold", TTL).withMinimumHold(HOLD)).leaseOrThrow();
        assertThat(lease.isUsable()).as("work may start under it").isTrue();

        lease.abandon();

        for (int i = 0; i < 3; i++) {
            assertThat(redis.node(i).command("GET", "abandon-hold"))
                    .as("the key on node %d after abandoning a usable lease with a %d ms minimum hold", i, HOLD.toMillis())
                    .isEqualTo(lease.value());
            assertThat((Long) redis.node(i).command("PTTL", "abandon-hold")).as("kept for the hold on node %d", i)
                    .isBetween(1L, HOLD.toMillis());
        }
        assertThat(other.tryLock("abandon-hold", TTL).isAcquired()).as("another client, during the hold").isFalse();
        assertThat(lease.isValid()).as("ended").isFalse();
    }
}
