package io.github.redlock.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.RedisServer;
import io.github.redlock.Redlock;
import io.github.redlock.RedlockOptions;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.data.redis.core.RedisOperations;

/**
 * Conditions, binding and validation of the engine's auto-configuration. No Redis runs here: the
 * servers are closed loopback ports, and {@code require-quorum-on-startup=false} lets the engine
 * start without them.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedlockAutoConfigurationTests {

    static final String UNREACHABLE = "redlock.servers=redis://127.0.0.1:1,redis://127.0.0.1:2,redis://127.0.0.1:3";
    static final String NO_QUORUM_NEEDED = "redlock.require-quorum-on-startup=false";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RedlockAutoConfiguration.class));

    @Test
    void withoutServersNothingIsCreatedAndThatIsLoggedOnce(CapturedOutput output) {
        runner.run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(Redlock.class);
            assertThat(output).containsOnlyOnce("Redlock is not configured").contains("redlock.servers");
        });
    }

    @Test
    void disabledCreatesNothingEvenWithServers(CapturedOutput output) {
        runner.withPropertyValues(UNREACHABLE, NO_QUORUM_NEEDED, "redlock.enabled=false").run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(Redlock.class);
            assertThat(output).containsOnlyOnce("Redlock is disabled (redlock.enabled=false)");
        });
    }

    @Test
    void explicitlyEnabledWithoutServersFailsNamingTheProperty() {
        runner.withPropertyValues("redlock.enabled=true").run(context -> assertThat(context).getFailure()
                .rootCause().isInstanceOf(InvalidRedlockPropertyException.class)
                .hasMessageContaining("redlock.servers: no Redis servers are configured"));
    }

    @Test
    void serversAndOptionsAreBoundIncludingBootDurationForms() {
        runner.withPropertyValues(UNREACHABLE, NO_QUORUM_NEEDED, "redlock.retry-count=1", "redlock.retry-delay=150ms",
                "redlock.retry-jitter=PT0.05S", "redlock.drift-factor=0.02", "redlock.timeout=1s",
                "redlock.connect-timeout=500", "redlock.reconnect-interval=3s", "redlock.key-prefix=lock:")
                .run(context -> {
                    assertThat(context).hasSingleBean(Redlock.class);
                    Redlock redlock = context.getBean(Redlock.class);
                    assertThat(redlock.nodes()).containsExactly("redis://127.0.0.1:1", "redis://127.0.0.1:2",
                            "redis://127.0.0.1:3");
                    assertThat(redlock.quorum()).isEqualTo(2);
                    RedlockOptions options = redlock.options();
                    assertThat(options.retryCount()).isEqualTo(1);
                    assertThat(options.retryDelay()).isEqualTo(Duration.ofMillis(150));
                    assertThat(options.retryJitter()).isEqualTo(Duration.ofMillis(50));
                    assertThat(options.driftFactor()).isEqualTo(0.02);
                    assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(1));
                    assertThat(options.connectTimeout()).isEqualTo(Duration.ofMillis(500));
                    assertThat(options.reconnectInterval()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(options.keyPrefix()).isEqualTo("lock:");
                    assertThat(options.requireQuorumOnStartup()).isFalse();
                });
    }

    @Test
    void defaultsMatchTheEngine() {
        runner.withPropertyValues(UNREACHABLE, NO_QUORUM_NEEDED).run(context -> {
            RedlockOptions options = context.getBean(Redlock.class).options();
            RedlockOptions engineDefaults = RedlockOptions.builder().servers("redis://127.0.0.1:1").build();
            assertThat(options.retryCount()).isEqualTo(engineDefaults.retryCount());
            assertThat(options.retryDelay()).isEqualTo(engineDefaults.retryDelay());
            assertThat(options.retryJitter()).isEqualTo(engineDefaults.retryJitter());
            assertThat(options.driftFactor()).isEqualTo(engineDefaults.driftFactor());
            assertThat(options.timeout()).isEqualTo(engineDefaults.timeout());
            assertThat(options.connectTimeout()).isEqualTo(engineDefaults.connectTimeout());
            assertThat(options.reconnectInterval()).isEqualTo(engineDefaults.reconnectInterval());
            assertThat(options.keyPrefix()).isEqualTo(engineDefaults.keyPrefix());
            assertThat(context.getBean(RedlockProperties.class).getDefaultTtl()).isEqualTo(Duration.ofSeconds(30));
        });
    }

    @Test
    void badUriIsRejectedNamingItsIndexWithoutThePassword() {
        runner.withPropertyValues(NO_QUORUM_NEEDED,
                "redlock.servers=redis://127.0.0.1:1,http://admin:s3cr3t@10.0.0.2:6379").run(context -> {
                    assertThat(context).getFailure().rootCause().isInstanceOf(InvalidRedlockPropertyException.class)
                            .hasMessageContaining("redlock.servers[1]")
                            .hasMessageContaining("must start with redis:// or rediss://")
                            .hasMessageNotContaining("s3cr3t");
                });
    }

    @Test
    void uriWithoutSchemeIsRejectedWithoutThePassword() {
        runner.withPropertyValues(NO_QUORUM_NEEDED, "redlock.servers[0]=admin:s3cr3t@10.0.0.1:6379").run(context -> {
            assertThat(context).getFailure().rootCause().isInstanceOf(InvalidRedlockPropertyException.class)
                    .hasMessageContaining("redlock.servers[0]").hasMessageNotContaining("s3cr3t");
        });
    }

    @Test
    void blankServerIsRejectedNamingItsIndex() {
        runner.withPropertyValues(NO_QUORUM_NEEDED, "redlock.servers[0]=redis://127.0.0.1:1", "redlock.servers[1]= ")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("redlock.servers[1]: must not be blank"));
    }

    @Test
    void duplicateServerIsRejectedNamingItsIndex() {
        runner.withPropertyValues(NO_QUORUM_NEEDED,
                "redlock.servers=redis://127.0.0.1:1,redis://127.0.0.1:2,redis://:pw@127.0.0.1:1").run(context -> {
                    assertThat(context).getFailure().rootCause().isInstanceOf(InvalidRedlockPropertyException.class)
                            .hasMessageContaining("redlock.servers[2]").hasMessageContaining("listed twice")
                            .hasMessageNotContaining("pw@");
                });
    }

    @Test
    void negativeRetryCountIsRejectedNamingTheProperty() {
        assertRejected("redlock.retry-count=-1", "redlock.retry-count: must be at least 0, got -1");
    }

    @Test
    void negativeDurationsAreRejectedNamingTheProperty() {
        assertRejected("redlock.retry-delay=-1ms", "redlock.retry-delay: must be zero or positive");
        assertRejected("redlock.retry-jitter=-5ms", "redlock.retry-jitter: must be zero or positive");
        assertRejected("redlock.timeout=0", "redlock.timeout: must be positive");
        assertRejected("redlock.connect-timeout=-1s", "redlock.connect-timeout: must be positive");
        assertRejected("redlock.reconnect-interval=0s", "redlock.reconnect-interval: must be positive");
        assertRejected("redlock.default-ttl=-10s", "redlock.default-ttl: must be at least 3 ms");
    }

    @Test
    void driftFactorOutOfRangeIsRejectedNamingTheProperty() {
        assertRejected("redlock.drift-factor=1.5", "redlock.drift-factor: must be at least 0 and below 1");
    }

    private void assertRejected(String property, String message) {
        runner.withPropertyValues(UNREACHABLE, NO_QUORUM_NEEDED, property).run(context -> assertThat(context)
                .getFailure().rootCause().isInstanceOf(InvalidRedlockPropertyException.class).hasMessageContaining(message));
    }

    @Test
    void userDefinedRedlockReplacesOurs() {
        runner.withPropertyValues(UNREACHABLE, NO_QUORUM_NEEDED).withUserConfiguration(UserRedlock.class).run(context -> {
            assertThat(context).hasSingleBean(Redlock.class);
            assertThat(context.getBean(Redlock.class).nodes()).containsExactly("redis://127.0.0.1:9");
        });
    }

    @Test
    void userDefinedRedlockNeedsNoServersAndIsNotReportedMissing(CapturedOutput output) {
        runner.withUserConfiguration(UserRedlock.class).run(context -> {
            assertThat(context).hasSingleBean(Redlock.class);
            assertThat(output).doesNotContain("Redlock is not configured");
        });
    }

    @Test
    void customizersAdjustTheBuilderInOrder() {
        runner.withPropertyValues(UNREACHABLE, NO_QUORUM_NEEDED, "redlock.key-prefix=from-properties:")
                .withUserConfiguration(Customizers.class)
                .run(context -> assertThat(context.getBean(Redlock.class).options().keyPrefix()).isEqualTo("second:"));
    }

    @Test
    void propertiesNeverShowServerUris() {
        runner.withPropertyValues(NO_QUORUM_NEEDED, "redlock.servers=redis://:t0ps3cret@127.0.0.1:1").run(context -> {
            assertThat(context.getBean(RedlockProperties.class).toString()).doesNotContain("t0ps3cret");
            assertThat(context.getBean(Redlock.class).toString()).doesNotContain("t0ps3cret");
            assertThat(context.getBean(Redlock.class).options().toString()).doesNotContain("t0ps3cret");
        });
    }

    @Test
    void springDataRedisServerIsUsedWhenNoServersAreListed(CapturedOutput output) {
        runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
                .withPropertyValues(NO_QUORUM_NEEDED, "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=7",
                        "spring.data.redis.password=p@ss w0rd:x")
                .run(context -> {
                    assertThat(context).hasSingleBean(Redlock.class);
                    Redlock redlock = context.getBean(Redlock.class);
                    assertThat(redlock.nodes()).containsExactly("redis://127.0.0.1:7");
                    assertThat(redlock.quorum()).isEqualTo(1);
                    assertThat(redlock.options().servers())
                            .containsExactly(RedisServer.of("127.0.0.1", 7).withCredentials(null, "p@ss w0rd:x"));
                    assertThat(output).containsOnlyOnce("not fault-tolerant").contains("redis://127.0.0.1:7")
                            .doesNotContain("p@ss w0rd");
                });
    }

    @Test
    void springDataRedisUserDatabaseAndSslAreCarriedOver() {
        runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
                .withPropertyValues(NO_QUORUM_NEEDED, "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=7",
                        "spring.data.redis.database=3", "spring.data.redis.username=admin",
                        "spring.data.redis.password=s3cret", "spring.data.redis.ssl.enabled=true")
                .run(context -> {
                    Redlock redlock = context.getBean(Redlock.class);
                    assertThat(redlock.options().servers()).containsExactly(
                            RedisServer.of("127.0.0.1", 7).withSsl(true).withDatabase(3).withCredentials("admin", "s3cret"));
                    assertThat(redlock.nodes()).containsExactly("rediss://127.0.0.1:7/3");
                });
    }

    @Test
    void listedServersWinOverSpringDataRedis() {
        runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
                .withPropertyValues(UNREACHABLE, NO_QUORUM_NEEDED, "spring.data.redis.port=7")
                .run(context -> assertThat(context.getBean(Redlock.class).nodes()).hasSize(3));
    }

    @Test
    void bootsLettuceClientResourcesAreSharedAndOutliveTheEngine() {
        runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
                .withPropertyValues(UNREACHABLE, NO_QUORUM_NEEDED).run(context -> {
                    ClientResources resources = context.getBean(ClientResources.class);
                    assertThat(context.getBean(Redlock.class).options().clientResources()).isSameAs(resources);
                    String[] resourcesNames = context.getBeanNamesForType(ClientResources.class);
                    // Destroyed before the resources it depends on: its leases are released while they still work.
                    assertThat(context.getBeanFactory().getDependenciesForBean("redlock")).contains(resourcesNames);
                });
    }

    @Test
    void engineOwnsItsResourcesWithoutSpringDataRedis() {
        runner.withPropertyValues(UNREACHABLE, NO_QUORUM_NEEDED)
                .run(context -> assertThat(context.getBean(Redlock.class).options().clientResources()).isNull());
    }

    @Test
    void springDataRedisSentinelIsRefusedWithAnExplanation() {
        runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
                .withPropertyValues(NO_QUORUM_NEEDED, "spring.data.redis.sentinel.master=mymaster",
                        "spring.data.redis.sentinel.nodes=127.0.0.1:26379")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(InvalidRedlockPropertyException.class).hasMessageContaining("Sentinel")
                        .hasMessageContaining("redlock.servers"));
    }

    @Test
    void withoutSpringDataRedisOnTheClasspathNothingIsCreated(CapturedOutput output) {
        runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader(RedisOperations.class, DataRedisConnectionDetails.class))
                .withPropertyValues("spring.data.redis.port=7").run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean(Redlock.class);
                    assertThat(output).contains("Redlock is not configured");
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class UserRedlock {

        @Bean(destroyMethod = "close")
        Redlock myRedlock() {
            return Redlock.builder().servers("redis://127.0.0.1:9").requireQuorumOnStartup(false).build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Customizers {

        @Bean
        @Order(2)
        RedlockBuilderCustomizer second() {
            return builder -> builder.keyPrefix("second:");
        }

        @Bean
        @Order(1)
        RedlockBuilderCustomizer first() {
            return builder -> builder.keyPrefix("first:");
        }
    }
}
