package io.github.redlock.spring.boot.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Lease;
import io.github.redlock.Redlock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/**
 * Three Redis containers with {@code @ServiceConnection} and no {@code redlock.servers}: the engine
 * locks on them. Needs a Docker engine; where none is reachable the class is skipped (reported as
 * skipped, never passed).
 */
@Testcontainers(disabledWithoutDocker = true)
@SpringBootTest(classes = RedlockServiceConnectionIntegrationTests.App.class)
class RedlockServiceConnectionIntegrationTests {

    static final DockerImageName REDIS = DockerImageName.parse("redis:7-alpine");

    @Container
    @ServiceConnection
    static final GenericContainer<?> redis1 = new GenericContainer<>(REDIS).withExposedPorts(6379);

    @Container
    @ServiceConnection
    static final GenericContainer<?> redis2 = new GenericContainer<>(REDIS).withExposedPorts(6379);

    @Container
    @ServiceConnection
    static final GenericContainer<?> redis3 = new GenericContainer<>(REDIS).withExposedPorts(6379);

    @Autowired
    Redlock redlock;

    @Test
    void theEngineLocksOnTheThreeContainers() {
        assertThat(redlock.nodes()).hasSize(3);
        assertThat(redlock.quorum()).isEqualTo(2);
        try (Lease lease = redlock.tryLock("containers", Duration.ofSeconds(10)).leaseOrThrow()) {
            assertThat(lease.resource()).isEqualTo("containers");
        }
    }

    @SpringBootApplication
    static class App {
    }
}
