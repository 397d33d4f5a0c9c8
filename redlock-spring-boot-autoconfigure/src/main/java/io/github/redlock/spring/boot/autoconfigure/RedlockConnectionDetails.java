package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.RedisServer;
import java.util.List;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/**
 * The Redis masters Redlock locks on, with the credentials to reach them, after Spring Boot's
 * connection-details convention. By default built from {@code redlock.servers}. A bean of this type
 * replaces that property: Testcontainers' {@code @ServiceConnection} on Redis containers supplies
 * one per container (see {@code redlock-spring-boot-testcontainers}), as can Docker Compose or the
 * application itself. With several such beans, the engine uses the servers of all of them, in bean
 * order; an odd total (3 or 5) is advised. Every server must be listed once.
 */
public interface RedlockConnectionDetails extends ConnectionDetails {

    /**
     * The servers, in order (each with its address, database, credentials and TLS flag; see
     * {@link RedisServer}). Empty means none is configured: then, as with an empty
     * {@code redlock.servers}, Spring Data Redis's single server is used if there is one, and
     * startup fails otherwise.
     */
    List<RedisServer> getServers();

    /** Details listing these servers. */
    static RedlockConnectionDetails of(List<RedisServer> servers) {
        List<RedisServer> copy = List.copyOf(servers);
        return () -> copy;
    }
}
