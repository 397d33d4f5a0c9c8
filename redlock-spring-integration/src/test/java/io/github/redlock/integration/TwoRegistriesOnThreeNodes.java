package io.github.redlock.integration;

import io.github.redlock.Redlock;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The setup of the registry tests: three real redis-server nodes, and two instances of an application
 * as far as the locks go, each its own {@link Redlock} (key prefix {@code app:}, 300 ms timeout) and
 * its own {@link RedlockLockRegistry} with a {@link #TTL} of 10 s. Both engines are closed after each
 * test, with the test thread's interrupt flag cleared first.
 */
abstract class TwoRegistriesOnThreeNodes {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    static final Duration TTL = Duration.ofSeconds(10);

    Redlock redlock;
    Redlock other;
    RedlockLockRegistry registry;
    /** Another process, as far as the locks go: its own engine, its own registry. */
    RedlockLockRegistry otherRegistry;

    @BeforeEach
    void startTwoInstances() {
        redlock = Redlock.builder().servers(redis.uris()).keyPrefix("app:").timeout(Duration.ofMillis(300)).build();
        other = Redlock.builder().servers(redis.uris()).keyPrefix("app:").timeout(Duration.ofMillis(300)).build();
        registry = new RedlockLockRegistry(redlock, TTL);
        otherRegistry = new RedlockLockRegistry(other, TTL);
    }

    @AfterEach
    void closeTwoInstances() {
        Thread.interrupted();
        redlock.close();
        other.close();
    }
}
