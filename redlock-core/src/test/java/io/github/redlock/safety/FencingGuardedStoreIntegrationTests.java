package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.test.RedisNodesExtension;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The suite's own instruments on real servers: the guard of {@link RedisGuardedStore} applies the
 * acceptance rule of fencing.md §9.2 (and accepts everything when disabled), and
 * {@link FakeClockRedis} really runs a server whose clock is ahead. If these were wrong, the
 * fencing scenarios would prove nothing.
 */
@Timeout(60)
class FencingGuardedStoreIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(1);

    private static final long BIG = 1_796_439_980_801_027L;

    @Test
    void theGuardAcceptsOnlyNewerTokensOrTheSameOwnerAgain() {
        try (GuardedStore store = new RedisGuardedStore(redis.uris().get(0), true)) {
            assertThat(store.claim("r", BIG, "a")).as("first claim").isTrue();
            assertThat(store.write("r", BIG, "a", 1)).isEqualTo(new GuardedStore.Decision(true, 1));
            assertThat(store.write("r", BIG, "a", 2)).as("same token, same owner").isEqualTo(new GuardedStore.Decision(true, 2));
            assertThat(store.write("r", BIG, "b", 3).accepted()).as("same token, other owner").isFalse();
            assertThat(store.write("r", BIG - 1, "c", 3).accepted()).as("older token").isFalse();
            assertThat(store.write("r", 0, "", 3).accepted()).as("no token").isFalse();
            assertThat(store.claim("r", BIG + 1, "d")).as("newer claim").isTrue();
            assertThat(store.write("r", BIG, "a", 3).accepted()).as("the old holder after a newer claim").isFalse();
            assertThat(store.write("r", BIG + 1, "d", 3)).isEqualTo(new GuardedStore.Decision(true, 3));
            assertThat(store.value("r")).isEqualTo(3L);
            assertThat(store.read("other")).isZero();
            assertThat(store.value("other")).isNull();
            assertThat(redis.node(0).command("HGET", "fence:r", "t")).as("16-digit tokens stored exactly")
                    .isEqualTo(Long.toString(BIG + 1));
        }
    }

    @Test
    void theDisabledGuardAcceptsEverything() {
        try (GuardedStore store = new RedisGuardedStore(redis.uris().get(0), false)) {
            assertThat(store.claim("r", 20, "a")).isTrue();
            assertThat(store.write("r", 10, "b", 1)).isEqualTo(new GuardedStore.Decision(true, 1));
            assertThat(store.write("r", 0, "", 2)).isEqualTo(new GuardedStore.Decision(true, 2));
        }
    }

    @Test
    void aFakeClockServerRunsTenSecondsAhead() {
        StringBuilder reason = new StringBuilder();
        Optional<Path> library = FakeClockRedis.find(reason);
        Assumptions.assumeTrue(library.isPresent(), reason::toString);
        try (FakeClockRedis fast = FakeClockRedis.start(library.get(), "+10s")) {
            long ahead = fast.timeMicros() - FencingNodes.timeMicros(redis.node(0));
            assertThat(ahead).isBetween(9_000_000L, 11_000_000L);
        }
    }
}
