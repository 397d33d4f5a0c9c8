package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.test.Burst;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bursts of uncontended locks, default settings, three real nodes: every thread locks its own
 * resource once, all released at the same moment. Nothing is contended, so every lock must be
 * granted however busy this JVM is: a node times out only when it is silent, not when this JVM
 * was slow to write the command or read the answer.
 */
class BurstIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final Duration TTL = Duration.ofSeconds(30);

    private static Redlock redlock;

    @BeforeAll
    static void connect() {
        redlock = Redlock.builder().servers(redis.uris()).build();
    }

    @AfterAll
    static void close() {
        redlock.close();
    }

    private static Burst.Result burst(String name, int size, Burst.Threads threads) {
        return Burst.run(size, threads, i -> {
            LockResult result = redlock.tryLock(name + "-" + i, TTL);
            return result.isAcquired() ? null : result.failure() + " " + result.nodes();
        });
    }

    @Test
    void aBurstOf2000PlatformThreadsIsGrantedInFull() {
        Burst.Result result = burst("platform", 2_000, Burst.Threads.PLATFORM);

        assertThat(result.succeeded()).as("granted; failures %s", result.failures()).isEqualTo(2_000);
    }

    @Test
    @EnabledForJreRange(min = JRE.JAVA_21)
    void aBurstOf10000VirtualThreadsIsGrantedInFull() {
        Burst.Result result = burst("virtual", 10_000, Burst.Threads.VIRTUAL);

        assertThat(result.succeeded()).as("granted; failures %s", result.failures()).isEqualTo(10_000);
    }
}
