package io.github.redlock.fencing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redlock.test.RedisNodesExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Redis guard against a real redis-server (a store other than the lock nodes). */
class RedisFencedWritesIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(1);

    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    private RedisFencedWrites writes;

    @BeforeEach
    void connect() {
        client = RedisClient.create(redis.uris().get(0));
        connection = client.connect();
        writes = new RedisFencedWrites(connection);
    }

    @AfterEach
    void close() {
        connection.close();
        client.shutdown();
    }

    @Test
    void writesWithANewerOrEqualTokenAndRefusesAnOlderOneLeavingTheValue() {
        assertThat(writes.set("order:42", "paid", "order-42", 5).accepted()).isTrue();
        assertThat(writes.set("order:42", "shipped", "order-42", 5).accepted()).isTrue();
        assertThat(writes.set("order:42", "delivered", "order-42", 9).accepted()).isTrue();

        FencingVerdict stale = writes.set("order:42", "cancelled", "order-42", 8);

        assertThat(stale).isEqualTo(new FencingVerdict("order-42", 8, false, 9));
        assertThatThrownBy(stale::requireAccepted).isInstanceOf(StaleFencingTokenException.class)
                .hasMessage("Stale fencing token for resource 'order-42': presented 8, but the store has "
                        + "already accepted 9");
        assertThat(connection.sync().get("order:42")).isEqualTo("delivered");
        assertThat(connection.sync().get("fencing:order-42")).isEqualTo("9");
    }

    /** The recipe of docs/fencing-guards.md, as the page shows it. */
    @Test
    void recipeFromTheDocs() {
        writes.claim("order-42", 12).requireAccepted();
        assertThat(recipe(connection, 12)).isFalse();
        assertThat(recipe(connection, 11)).as("stale from the claim on").isTrue();
        assertThat(connection.sync().get("order:42")).isEqualTo("paid");
        assertThat(connection.sync().hgetall("order:42:meta")).isEqualTo(Map.of("paidBy", "job-7"));
    }

    /** Returns whether it stopped because a newer holder had written. */
    static boolean recipe(StatefulRedisConnection<String, String> connection, long token) {
        try {
            // --- recipe ---
            RedisFencedWrites writes = new RedisFencedWrites(connection); // StatefulRedisConnection<String, String>

            writes.claim("order-42", token).requireAccepted();            // claim-first
            writes.set("order:42", "paid", "order-42", token).requireAccepted();
            FencingVerdict verdict = writes.hset("order:42:meta", Map.of("paidBy", "job-7"), "order-42", token);
            if (verdict.isStale()) {
                // a newer holder (verdict.highestToken()) has written: stop
                return true;
            }
            // --- end ---
            return false;
        } catch (StaleFencingTokenException e) {
            return true;
        }
    }

    @Test
    void comparesSixteenDigitTokensExactly() {
        long max = (1L << 53) - 1; // 9007199254740991: Lua's tostring would print 9.007199254741e+15
        assertThat(writes.set("k", "a", "r", max - 1).accepted()).isTrue();
        assertThat(writes.set("k", "b", "r", max).accepted()).isTrue();
        FencingVerdict stale = writes.set("k", "c", "r", max - 1);

        assertThat(stale.accepted()).isFalse();
        assertThat(stale.highestToken()).isEqualTo(max);
        assertThat(connection.sync().get("fencing:r")).isEqualTo("9007199254740991");
        assertThat(writes.highestToken("r")).isEqualTo(OptionalLong.of(max));
        assertThat(connection.sync().get("k")).isEqualTo("b");
        assertThatThrownBy(() -> writes.set("k", "d", "r", max + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hsetDelAndClaimAreFencedByTheSameMark() {
        assertThat(writes.hset("h", Map.of("state", "paid", "by", "a"), "res", 3).accepted()).isTrue();
        assertThat(writes.claim("res", 4).accepted()).isTrue();
        assertThat(writes.hset("h", Map.of("state", "stale"), "res", 3).accepted()).isFalse();
        assertThat(writes.del("h", "res", 3).accepted()).isFalse();
        assertThat(connection.sync().hgetall("h")).isEqualTo(Map.of("state", "paid", "by", "a"));

        assertThat(writes.del("h", "res", 4).accepted()).isTrue();
        assertThat(connection.sync().exists("h")).isZero();
        assertThat(writes.highestToken("res")).isEqualTo(OptionalLong.of(4));
    }

    @Test
    void aWriteThatFailsLeavesTheMarkWhereItWas() {
        writes.claim("res", 1);
        connection.sync().lpush("a-list", "x");

        assertThatThrownBy(() -> writes.hset("a-list", Map.of("f", "v"), "res", 2))
                .isInstanceOf(RedisException.class).hasMessageContaining("WRONGTYPE");

        assertThat(writes.highestToken("res")).isEqualTo(OptionalLong.of(1));
        assertThat(connection.sync().lrange("a-list", 0, -1)).containsExactly("x");
    }

    @Test
    void reloadsTheScriptAfterScriptFlush() {
        writes.claim("res", 1);
        connection.sync().scriptFlush();

        assertThat(writes.set("k", "v", "res", 2).accepted()).isTrue();
        assertThat(connection.sync().get("k")).isEqualTo("v");
    }

    /**
     * Eight writers on their own connections present the tokens 1..400 in a shuffled order: every
     * accepted write reports itself as the mark, every refused one a newer mark, and the value and
     * the mark end at the highest token.
     */
    @Test
    void concurrentWritersWithInterleavedTokensEndAtTheHighestToken() throws Exception {
        int total = 400;
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger inconsistent = new AtomicInteger();
        ShuffledWriters.run(8, total, () -> {
            StatefulRedisConnection<String, String> own = client.connect();
            RedisFencedWrites mine = new RedisFencedWrites(own);
            return ShuffledWriters.Writer.closing(own, token -> {
                FencingVerdict verdict = mine.set("doc", Long.toString(token), "doc", token);
                if (verdict.accepted()) {
                    accepted.incrementAndGet();
                    if (verdict.highestToken() != token) {
                        inconsistent.incrementAndGet();
                    }
                } else {
                    refused.incrementAndGet();
                    if (verdict.highestToken() <= token) {
                        inconsistent.incrementAndGet();
                    }
                }
            });
        });

        assertThat(inconsistent.get()).as("verdicts that contradict the mark").isZero();
        assertThat(accepted.get() + refused.get()).isEqualTo(total);
        assertThat(accepted.get()).as("accepted").isPositive();
        assertThat(refused.get()).as("refused").isPositive();
        assertThat(connection.sync().get("doc")).isEqualTo(Integer.toString(total));
        assertThat(writes.highestToken("doc")).isEqualTo(OptionalLong.of(total));
    }
}
