package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.RedisServer;
import io.github.redlock.Redlock;
import io.lettuce.core.SslOptions;
import io.lettuce.core.resource.ClientResources;
import java.util.List;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The {@link Redlock} engine, from {@code redlock.*} properties, its servers from the
 * {@link RedlockConnectionDetails} beans (by default {@code redlock.servers}), or from Spring Data
 * Redis's single server when none are listed. Backs off when the application defines its own
 * {@code Redlock} bean; {@link RedlockBuilderCustomizer} beans adjust the engine without replacing it.
 *
 * <p>{@code redlock.ssl.bundle} names a Spring Boot SSL bundle that verifies {@code rediss://} servers
 * (and holds the client certificate for mutual TLS); without it, servers taken from Spring Data Redis
 * use {@code spring.data.redis.ssl.bundle}, and otherwise the JVM's default truststore. A
 * {@link RedlockBuilderCustomizer} that sets {@code sslOptions} overrides both.
 *
 * <p>Boot's Lettuce {@link ClientResources} bean (event loops, timers) is shared when there is one.
 * The engine is closed on shutdown, which first releases the leases this application still holds,
 * and is destroyed before the shared {@code ClientResources}.
 */
@AutoConfiguration(afterName = { "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
        "org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration",
        // Registers the RedlockConnectionDetails of @ServiceConnection containers declared as beans.
        "org.springframework.boot.testcontainers.service.connection.ServiceConnectionAutoConfiguration" })
@EnableConfigurationProperties(RedlockProperties.class)
public final class RedlockAutoConfiguration {

    private static final Log LOG = LogFactory.getLog(RedlockAutoConfiguration.class);

    /** Adds the {@link io.github.redlock.RedlockListener} beans (meters, observations) to every Redlock bean. */
    @Bean
    static RedlockListenerRegistrar redlockListenerRegistrar(ObjectProvider<io.github.redlock.RedlockListener> listeners) {
        return new RedlockListenerRegistrar(listeners);
    }

    /** The servers of {@code redlock.servers}, unless the application or a container supplies its own. */
    @Bean
    @ConditionalOnMissingBean(RedlockConnectionDetails.class)
    PropertiesRedlockConnectionDetails redlockConnectionDetails(RedlockProperties properties) {
        return new PropertiesRedlockConnectionDetails(properties);
    }

    /**
     * @param connectionDetails where the servers are: every such bean's servers, in bean order
     * @param clientResources Boot's Lettuce resources, if any. A collection rather than an
     *        ObjectProvider on purpose: beans injected this way are registered as dependencies, so
     *        the context destroys this engine (releasing its leases) before the shared resources.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @Conditional(RedlockServersCondition.class)
    Redlock redlock(RedlockProperties properties, ObjectProvider<RedlockConnectionDetails> connectionDetails,
            ObjectProvider<DataRedisLockServer> dataRedisServer, ObjectProvider<RedlockBuilderCustomizer> customizers,
            ObjectProvider<SslBundles> sslBundles, List<ClientResources> clientResources) {
        List<RedlockConnectionDetails> details = connectionDetails.orderedStream().toList();
        boolean fromProperties = details.stream().allMatch(PropertiesRedlockConnectionDetails.class::isInstance);
        List<RedisServer> servers = details.stream().flatMap(each -> each.getServers().stream()).toList();
        SslBundle dataRedisBundle = null;
        if (servers.isEmpty() && fromProperties) {
            DataRedisLockServer server = dataRedisServer.getIfAvailable();
            if (server != null) {
                servers = List.of(server.server());
                dataRedisBundle = server.sslBundle();
                LOG.warn("Redlock uses the single Redis server of Spring Data Redis (" + server.server().address()
                        + ") because redlock.servers is empty: locks are not fault-tolerant, since a failure or restart"
                        + " of that server loses or blocks them. List 3 or 5 independent Redis masters in redlock.servers.");
            }
        }
        String serversProperty = fromProperties ? RedlockServersCondition.SERVERS
                : RedlockServersCondition.CONNECTION_DETAILS;
        Redlock.Builder builder = Redlock.builder().options(RedlockPropertiesMapper.options(properties,
                serversProperty, servers));
        SslOptions sslOptions = RedlockSslBundle.sslOptions(properties.getSsl().getBundle(),
                sslBundles.getIfAvailable(), servers, serversProperty);
        if (sslOptions == null && dataRedisBundle != null) {
            sslOptions = RedlockSslBundle.sslOptions(dataRedisBundle);
        }
        if (sslOptions != null) {
            builder.sslOptions(sslOptions);
        }
        if (clientResources.size() == 1) {
            builder.clientResources(clientResources.get(0));
        }
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return builder.build();
    }

    @Bean
    @ConditionalOnMissingBean(Redlock.class)
    @Conditional(RedlockServersCondition.None.class)
    static RedlockNotConfiguredReport redlockNotConfiguredReport(Environment environment) {
        return new RedlockNotConfiguredReport(
                Boolean.FALSE.equals(environment.getProperty(RedlockServersCondition.ENABLED, Boolean.class)));
    }

    /** Offers Spring Data Redis's server for use when {@code redlock.servers} is empty. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(DataRedisConnectionDetails.class)
    @ConditionalOnBean(DataRedisConnectionDetails.class)
    static class DataRedisServerConfiguration {

        @Bean
        DataRedisLockServer redlockDataRedisServer(ObjectProvider<DataRedisConnectionDetails> details) {
            return dataRedisServer(details.getObject());
        }

        static DataRedisLockServer dataRedisServer(DataRedisConnectionDetails details) {
            String mode = details.getSentinel() != null ? "Sentinel"
                    : details.getCluster() != null ? "Cluster"
                    : details.getMasterReplica() != null ? "master/replica" : null;
            DataRedisConnectionDetails.Standalone standalone = details.getStandalone();
            if (mode != null || standalone == null) {
                throw DataRedisLockServer.unusable(mode != null ? mode : "no standalone server");
            }
            return DataRedisLockServer.standalone(details.getSslBundle() != null, standalone.getHost(),
                    standalone.getPort(), standalone.getDatabase(), details.getUsername(), details.getPassword())
                    .withSslBundle(details.getSslBundle());
        }
    }
}
