package io.github.redlock.spring.boot.testcontainers;

import io.github.redlock.RedisServer;
import io.github.redlock.spring.boot.autoconfigure.RedlockConnectionDetails;
import java.util.List;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionDetailsFactory;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionSource;
import org.testcontainers.containers.Container;

/**
 * {@link RedlockConnectionDetails} from a Redis container annotated with {@code @ServiceConnection}
 * (images {@code redis}, {@code redis/redis-stack} and {@code redis/redis-stack-server}, or any
 * container whose {@code @ServiceConnection} names {@code redis}): one server, the container's host
 * and its port mapped from 6379. Declare 3 or 5 containers for a fault-tolerant quorum; the engine
 * uses all of them, replacing {@code redlock.servers}. Registered in {@code META-INF/spring.factories}.
 *
 * <p>When the application also uses Spring Data Redis, Boot's own factory offers each such container
 * to it too; limit a container to Redlock with
 * {@code @ServiceConnection(type = RedlockConnectionDetails.class)}.
 */
public class RedlockContainerConnectionDetailsFactory
        extends ContainerConnectionDetailsFactory<Container<?>, RedlockConnectionDetails> {

    /** The port Redis listens on inside the container. */
    static final int REDIS_PORT = 6379;

    public RedlockContainerConnectionDetailsFactory() {
        super(List.of("redis", "redis/redis-stack", "redis/redis-stack-server"));
    }

    @Override
    protected RedlockConnectionDetails getContainerConnectionDetails(ContainerConnectionSource<Container<?>> source) {
        return new RedlockContainerConnectionDetails(source);
    }

    /** The container's host and mapped Redis port. */
    static RedisServer server(Container<?> container) {
        return RedisServer.of(container.getHost(), container.getMappedPort(REDIS_PORT));
    }

    static final class RedlockContainerConnectionDetails extends ContainerConnectionDetails<Container<?>>
            implements RedlockConnectionDetails {

        RedlockContainerConnectionDetails(ContainerConnectionSource<Container<?>> source) {
            super(source);
        }

        @Override
        public List<RedisServer> getServers() {
            return List.of(server(getContainer()));
        }
    }
}
