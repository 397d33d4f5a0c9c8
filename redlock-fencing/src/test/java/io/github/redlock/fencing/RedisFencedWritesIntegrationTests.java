package io.github.redlock.fencing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redlock.test.RedisNodesExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
        int writers = 8;
        int total = 400;
        List<Long> tokens = new ArrayList<>();
        for (long token = 1; token <= total; token++) {
            tokens.add(token);
        }
        Collections.shuffle(tokens, new Random(24));
        ConcurrentLinkedQueue<Long> queue = new ConcurrentLinkedQueue<>(tokens);
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger inconsistent = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                results.add(pool.submit(() -> {
                    try (StatefulRedisConnection<String, String> own = client.connect()) {
                        RedisFencedWrites mine = new RedisFencedWrites(own);
                        start.await();
                        for (Long token = queue.poll(); token != null; token = queue.poll()) {
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
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> result : results) {
                result.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(inconsistent.get()).as("verdicts that contradict the mark").isZero();
        assertThat(accepted.get() + refused.get()).isEqualTo(total);
        assertThat(accepted.get()).as("accepted").isPositive();
        assertThat(refused.get()).as("refused").isPositive();
        assertThat(connection.sync().get("doc")).isEqualTo(Integer.toString(total));
        assertThat(writes.highestToken("doc")).isEqualTo(OptionalLong.of(total));
    }
}
