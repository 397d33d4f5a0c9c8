package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.RedisServer;
import io.lettuce.core.SslOptions;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;

/**
 * Turns the Spring Boot SSL bundle named by {@code redlock.ssl.bundle} into the engine's Lettuce
 * {@link SslOptions}: the bundle's trust managers verify the servers (a private CA), its key
 * managers, if it has a keystore, present the client certificate (mutual TLS), and its ciphers and
 * protocols, if set, restrict the handshake, as Boot does for {@code spring.data.redis.ssl.bundle}.
 * Verification of the certificate and host name stays on: a bundle only says whom to trust.
 */
final class RedlockSslBundle {

    static final String PROPERTY = "redlock.ssl.bundle";

    private RedlockSslBundle() {
    }

    /**
     * The TLS options of the named bundle, or null when {@code name} is null (the JVM's default
     * truststore).
     *
     * @param servers the servers the engine uses: at least one must be {@code rediss://}
     * @param serversProperty where they come from, for the message
     * @throws InvalidRedlockPropertyException naming {@value #PROPERTY} when the bundle does not
     *         exist, Boot's SSL auto-configuration is missing, or no server uses TLS
     */
    static @Nullable SslOptions sslOptions(@Nullable String name, @Nullable SslBundles bundles,
            List<RedisServer> servers, String serversProperty) {
        if (name == null || name.isBlank()) {
            return null;
        }
        if (servers.stream().noneMatch(RedisServer::ssl)) {
            throw new InvalidRedlockPropertyException(PROPERTY, "names the SSL bundle '" + name + "', but no server in "
                    + serversProperty + " uses TLS. Write the servers as rediss://host:port, or remove " + PROPERTY);
        }
        if (bundles == null) {
            throw new InvalidRedlockPropertyException(PROPERTY, "names the SSL bundle '" + name + "', but there is no"
                    + " SslBundles bean (Spring Boot's SslAutoConfiguration is excluded)");
        }
        SslBundle bundle;
        try {
            bundle = bundles.getBundle(name);
        } catch (NoSuchSslBundleException e) {
            throw new InvalidRedlockPropertyException(PROPERTY, "there is no SSL bundle named '" + name + "'"
                    + " (known: " + bundles.getBundleNames() + "). Define it under spring.ssl.bundle.pem." + name
                    + ".truststore.certificate (a PEM CA file) or spring.ssl.bundle.jks." + name + ".truststore.*");
        }
        return sslOptions(bundle);
    }

    /** The bundle as Lettuce options, as Boot's own Lettuce configuration maps it. */
    static SslOptions sslOptions(SslBundle bundle) {
        SslOptions.Builder builder = SslOptions.builder().jdkSslProvider()
                .keyManager(bundle.getManagers().getKeyManagerFactory())
                .trustManager(bundle.getManagers().getTrustManagerFactory());
        org.springframework.boot.ssl.SslOptions options = bundle.getOptions();
        if (options.getCiphers() != null) {
            builder.cipherSuites(options.getCiphers());
        }
        if (options.getEnabledProtocols() != null) {
            builder.protocols(options.getEnabledProtocols());
        }
        return builder.build();
    }
}
