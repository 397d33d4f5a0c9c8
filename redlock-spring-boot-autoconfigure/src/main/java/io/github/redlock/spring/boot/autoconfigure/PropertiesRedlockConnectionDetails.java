package io.github.redlock.spring.boot.autoconfigure;

import java.util.List;

/**
 * The default {@link RedlockConnectionDetails}: the servers of {@code redlock.servers}, checked
 * first (with the other settings) so that a bad entry fails startup with a message naming
 * {@code redlock.servers[i]}.
 */
final class PropertiesRedlockConnectionDetails implements RedlockConnectionDetails {

    private final RedlockProperties properties;

    PropertiesRedlockConnectionDetails(RedlockProperties properties) {
        this.properties = properties;
    }

    @Override
    public List<Server> getServers() {
        List<String> servers = properties.getServers();
        if (servers.isEmpty()) {
            return List.of();
        }
        // The engine's own checks first, for their messages (redlock.servers[i], password masked).
        RedlockPropertiesMapper.options(properties, RedlockServersCondition.SERVERS, servers);
        return servers.stream().map(Server::parse).toList();
    }

    @Override
    public String toString() {
        return "PropertiesRedlockConnectionDetails[" + properties.getServers().size() + " server(s)]";
    }
}
