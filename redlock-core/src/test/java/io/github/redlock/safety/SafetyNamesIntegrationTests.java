package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.redlock.Lease;
import io.github.redlock.LockFailure;
import io.github.redlock.LockResult;
import io.github.redlock.Redlock;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Resource names that try to break out of their key: quotes, line breaks, RESP and Lua text,
 * hash tags, 10 KB, non-ASCII, random code points. Each must either work exactly like a plain
 * name (the key on every node is exactly prefix + name, a second client is refused, release
 * removes it) or be rejected with a clear {@link IllegalArgumentException} before anything is sent.
 */
@Timeout(60)
@ExtendWith(SafetySummary.class)
class SafetyNamesIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final String PREFIX = "fuzz:";

    private Redlock first;
    private Redlock second;

    @BeforeEach
    void connect() {
        for (int i = 0; i < 3; i++) {
            redis.node(i).command("SET", "canary", "alive");
        }
        first = Redlock.builder().servers(redis.uris()).keyPrefix(PREFIX).timeout(Duration.ofMillis(500)).retryCount(3)
                .retryDelay(Duration.ofMillis(20)).build();
        second = Redlock.builder().servers(redis.uris()).keyPrefix(PREFIX).timeout(Duration.ofMillis(500)).retryCount(0)
                .build();
    }

    @AfterEach
    void close() {
        first.close();
        second.close();
    }

    static Map<String, String> names(long seed) {
        Map<String, String> names = new LinkedHashMap<>();
        names.put("plain", "plain");
        names.put("double quote", "a\"b");
        names.put("single quote", "a'b");
        names.put("backslash", "a\\b\\");
        names.put("newline", "line\nbreak");
        names.put("RESP injection", "x\r\n*1\r\n$8\r\nFLUSHALL\r\n");
        names.put("Lua text", "\"]]; redis.call('FLUSHALL') --");
        names.put("Lua long bracket", "]]..redis.call('DEL','canary')..[[");
        names.put("KEYS reference", "KEYS[1]");
        names.put("hash tag", "{tag}");
        names.put("empty hash tag", "{}");
        names.put("tag inside", "user{42}:profile");
        names.put("glob characters", "*?[a-z]");
        names.put("10 KB", "x".repeat(10 * 1024));
        names.put("1 MB", "y".repeat(1024 * 1024));
        names.put("Latin accents", "réservation-été");
        names.put("CJK", "漢字のロック");
        names.put("emoji", "lock-🔒-🚀");
        names.put("right-to-left", "قفل");
        names.put("NUL byte", "nul\u0000byte");
        names.put("control characters", "\u0001\u0007\u001b[31m");
        names.put("surrounding spaces", "  padded  ");
        Random random = new Random(seed);
        StringBuilder fuzz = new StringBuilder();
        for (int codePoints = 0; codePoints < 64; ) {
            int codePoint = random.nextInt(Character.MAX_CODE_POINT + 1);
            if (Character.isDefined(codePoint) && Character.getType(codePoint) != Character.SURROGATE) {
                fuzz.appendCodePoint(codePoint);
                codePoints++;
            }
        }
        names.put("random code points", fuzz.toString());
        return names;
    }

    @Test
    void oddResourceNamesWorkExactlyLikePlainOnes() {
        SafetySummary.Run run = SafetySummary.start("security: fuzzed resource names");
        Map<String, String> names = names(run.seed());
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> entry : names.entrySet()) {
            String what = entry.getKey();
            String name = entry.getValue();
            LockResult result = first.tryLock(name, Duration.ofSeconds(10));
            if (!result.isAcquired()) {
                problems.add(what + ": not acquired: " + result);
                continue;
            }
            Lease lease = result.leaseOrThrow();
            for (int i = 0; i < 3; i++) {
                Object value = Nodes.awaitValue(redis.node(i), PREFIX + name, lease.value());
                if (!lease.value().equals(value)) {
                    problems.add(what + ": node " + i + " holds " + value + " under the exact key");
                }
            }
            LockResult other = second.tryLock(name, Duration.ofSeconds(10));
            if (other.isAcquired() || other.failure() != LockFailure.CONTENDED) {
                problems.add(what + ": a second client got " + other);
            }
            if (!first.release(lease)) {
                problems.add(what + ": release returned false");
            }
            for (int i = 0; i < 3; i++) {
                if (redis.node(i).command("GET", PREFIX + name) != null) {
                    problems.add(what + ": key left on node " + i);
                }
            }
        }
        List<Object> canaries = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            canaries.add(redis.node(i).command("GET", "canary"));
            canaries.add(redis.node(i).command("DBSIZE"));
        }

        run.done(names.size(), 0, 0, 0, names.size() + " names, " + problems.size() + " problems");
        assertThat(problems).isEmpty();
        assertThat(canaries).as("canary and key count on each node").containsExactly("alive", 1L, "alive", 1L, "alive", 1L);
    }

    @Test
    void blankOrMalformedNamesAreRejectedBeforeAnythingIsSent() {
        Map<String, String> rejected = new LinkedHashMap<>();
        rejected.put("empty", "");
        rejected.put("spaces", "   ");
        rejected.put("whitespace", "\t\r\n");
        rejected.put("unpaired high surrogate", "bad\uD800");
        rejected.put("unpaired low surrogate", "\uDC00bad");
        for (Map.Entry<String, String> entry : rejected.entrySet()) {
            Throwable thrown = catchThrowable(() -> first.tryLock(entry.getValue(), Duration.ofSeconds(10)));
            assertThat(thrown).as(entry.getKey()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("resource");
        }
        assertThat(catchThrowable(() -> first.lock(null, Duration.ofSeconds(10))))
                .isInstanceOf(IllegalArgumentException.class);
        for (int i = 0; i < 3; i++) {
            assertThat(redis.node(i).command("DBSIZE")).isEqualTo(1L);
        }
    }

    /**
     * Java strings are UTF-16; Redis keys are bytes. An unpaired surrogate has no UTF-8 encoding and
     * would be sent as '?', so two different names would share one lock.
     */
    @Test
    void namesThatOnlyDifferInAnUnpairedSurrogateDoNotShareALock() {
        Lease plain = first.tryLock("bad?", Duration.ofSeconds(10)).leaseOrThrow();
        Throwable thrown = catchThrowable(() -> second.tryLock("bad\uD800", Duration.ofSeconds(10)));

        assertThat(thrown).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("surrogate");
        assertThat(first.release(plain)).isTrue();
    }
}
