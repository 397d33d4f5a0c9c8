package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.RedisServer;
import java.util.ArrayList;
import java.util.List;

/**
 * The default {@link RedlockConnectionDetails}: the servers of {@code redlock.servers}, each read by
 * {@link RedisServer#parse(String)}; a bad entry fails startup with a message naming
 * {@code redlock.servers[i]} (the engine's builder then checks the list as a whole).
 */
final class PropertiesRedlockConnectionDetails implements RedlockConnectionDetails {

    private final RedlockProperties properties;

    PropertiesRedlockConnectionDetails(RedlockProperties properties) {
        this.properties = properties;
    }

    @Override
    public List<RedisServer> getServers() {
        List<String> uris = properties.getServers();
        List<RedisServer> servers = new ArrayList<>(uris.size());
        for (int i = 0; i < uris.size(); i++) {
            try {
                servers.add(RedisServer.parse(uris.get(i)));
            } catch (IllegalArgumentException e) {
                throw new InvalidRedlockPropertyException(RedlockServersCondition.SERVERS + "[" + i + "]",
                        String.valueOf(e.getMessage()));
            }
        }
        return List.copyOf(servers);
    }

    @Override
    public String toString() {
        return "PropertiesRedlockConnectionDetails[" + properties.getServers().size() + " server(s)]";
    }
}
