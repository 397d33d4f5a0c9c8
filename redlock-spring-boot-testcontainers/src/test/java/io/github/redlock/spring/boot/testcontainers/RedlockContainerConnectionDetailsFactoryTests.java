package io.github.redlock.spring.boot.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.github.redlock.RedisServer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetailsFactory;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.testcontainers.containers.Container;

/** The factory's registration and its mapping of a container to a server, without Docker. */
class RedlockContainerConnectionDetailsFactoryTests {

    @Test
    void isRegisteredForBootToFind() {
        assertThat(SpringFactoriesLoader.forDefaultResourceLocation().load(ConnectionDetailsFactory.class))
                .hasAtLeastOneElementOfType(RedlockContainerConnectionDetailsFactory.class);
    }

    @Test
    void aContainerIsOneServerAtItsHostAndMappedRedisPort() {
        Container<?> container = mock(Container.class);
        when(container.getHost()).thenReturn("localhost");
        when(container.getMappedPort(6379)).thenReturn(32771);
        RedisServer server = RedlockContainerConnectionDetailsFactory.server(container);
        assertThat(server).isEqualTo(RedisServer.of("localhost", 32771));
        assertThat(server.address()).isEqualTo("redis://localhost:32771");
    }
}
