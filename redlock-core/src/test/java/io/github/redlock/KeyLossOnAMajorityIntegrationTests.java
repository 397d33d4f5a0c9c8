package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A held lease whose key a majority of real nodes lost (another client may have held the lock on
 * them meanwhile): its check or renewal ends it as lost instead of re-creating the keys.
 */
@Timeout(30)
class KeyLossOnAMajorityIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final Duration TTL = Duration.ofSeconds(3);

    private static void deleteOnTwoOfThree(String key) {
        for (int i = 0; i < 2; i++) {
            redis.node(i).command("DEL", key);
        }
    }

    private static int nodesHolding(String key, String value) {
        return (int) redis.nodes().values(key).stream().filter(value::equals).count();
    }

    @Test
    void aCheckThatFindsTheKeyGoneFromTwoOfThreeNodesEndsTheLeaseAsLost() throws Exception {
        try (Redlock redlock = Redlock.builder().servers(redis.uris()).keyPrefix("majority-check:").build()) {
            Lease lease = redlock.lock("r", TTL).orElseThrow();
            deleteOnTwoOfThree("majority-check:r");

            // The first check is due a third of the TTL after the grant.
            CompletableFuture<Lease> lost = lease.lost().toCompletableFuture();
            assertThat(lost.get(TTL.toMillis() / 3 * 2, TimeUnit.MILLISECONDS)).as("lost").isSameAs(lease);

            assertThat(lease.isValid()).as("valid").isFalse();
            assertThat(redlock.fillInCounts().created()).as("keys counted as re-created").isZero();
        }
    }

    @Test
    void aRenewalThatFindsTheKeyGoneFromTwoOfThreeNodesEndsTheLeaseAsLost() throws Exception {
        try (Redlock redlock = Redlock.builder().servers(redis.uris()).keyPrefix("majority-renew:").build()) {
            Lease lease = redlock.lock("r", TTL).orElseThrow();
            assertThat(nodesHolding("majority-renew:r", lease.value())).isEqualTo(3);
            deleteOnTwoOfThree("majority-renew:r");

            assertThat(redlock.extend(lease, TTL)).as("renewed").isEmpty();

            assertThat(lease.lost().toCompletableFuture().get(5, TimeUnit.SECONDS)).as("lost").isSameAs(lease);
            assertThat(lease.isValid()).as("valid").isFalse();
        }
    }
}
