package io.github.redlock.spring.boot3.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Redlock;
import io.github.redlock.spring.boot.autoconfigure.InvalidRedlockPropertyException;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.spring.boot3.actuate.RedlockBoot3HealthIndicator;
import io.github.redlock.test.TestCertificates;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * On Spring Boot 3.5's class path: the health indicator, and Spring Data Redis's server when
 * {@code redlock.servers} is empty. No Redis runs here: the server is a closed loopback port, and
 * {@code require-quorum-on-startup=false} lets the engine start without it.
 */
class RedlockBoot3AutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class, RedlockAutoConfiguration.class,
                    RedlockBoot3DataRedisAutoConfiguration.class, RedlockBoot3HealthAutoConfiguration.class))
            .withPropertyValues("redlock.require-quorum-on-startup=false");

    @Test
    void springDataRedisServerWithItsCredentialsAndDatabaseIsUsedWhenNoServersAreListed() {
        runner.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=1",
                "spring.data.redis.database=2", "spring.data.redis.username=app", "spring.data.redis.password=p@ss")
                .run(context -> {
                    assertThat(context.getBean(Redlock.class).nodes()).containsExactly("redis://127.0.0.1:1/2");
                    assertThat(context.getBean(Redlock.class).toString()).doesNotContain("p@ss").doesNotContain("p%40ss");
                });
    }

    @Test
    void springDataRedisSslIsCarriedOver() {
        runner.withPropertyValues("spring.data.redis.url=rediss://127.0.0.1:1")
                .run(context -> assertThat(context.getBean(Redlock.class).nodes()).containsExactly("rediss://127.0.0.1:1"));
    }

    /** Boot 3.5's SslBundles (same API as Boot 4's): a PEM bundle reaches the engine's TLS options. */
    @Test
    void redlockSslBundleAndSpringDataRedisBundleAreUsedOnBoot35(@TempDir Path dir) {
        TestCertificates certificates = TestCertificates.create(dir);
        ApplicationContextRunner withSsl = runner.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class))
                .withPropertyValues("spring.ssl.bundle.pem.redis.truststore.certificate=file:" + certificates.caCert());
        withSsl.withPropertyValues("redlock.servers=rediss://127.0.0.1:1", "redlock.ssl.bundle=redis")
                .run(context -> assertThat(context.getBean(Redlock.class).options().sslOptions()).isNotNull());
        withSsl.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=1",
                "spring.data.redis.ssl.bundle=redis").run(context -> {
                    assertThat(context.getBean(Redlock.class).nodes()).containsExactly("rediss://127.0.0.1:1");
                    assertThat(context.getBean(Redlock.class).options().sslOptions()).isNotNull();
                });
        withSsl.withPropertyValues("redlock.servers=rediss://127.0.0.1:1", "redlock.ssl.bundle=nope")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(InvalidRedlockPropertyException.class)
                        .hasMessageContaining("redlock.ssl.bundle: there is no SSL bundle named 'nope'"));
    }

    @Test
    void aSentinelConnectionFailsStartupNamingTheProperty() {
        runner.withPropertyValues("spring.data.redis.sentinel.master=mymaster",
                "spring.data.redis.sentinel.nodes=127.0.0.1:1")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(InvalidRedlockPropertyException.class)
                        .hasMessageContaining("redlock.servers").hasMessageContaining("Sentinel"));
    }

    @Test
    void theHealthIndicatorIsBoot35sTypeAndCanBeSwitchedOff() {
        runner.withPropertyValues("redlock.servers=redis://127.0.0.1:1").run(context -> assertThat(context)
                .hasSingleBean(RedlockBoot3HealthIndicator.class)
                .getBean("redlockHealthIndicator").isInstanceOf(org.springframework.boot.actuate.health.HealthIndicator.class));
        runner.withPropertyValues("redlock.servers=redis://127.0.0.1:1", "management.health.redlock.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(RedlockBoot3HealthIndicator.class));
    }
}
