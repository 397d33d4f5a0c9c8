package io.github.redlock.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Lease;
import io.github.redlock.NodeStatus;
import io.github.redlock.Redlock;
import io.github.redlock.RedlockConnectionException;
import io.github.redlock.spring.boot.autoconfigure.InvalidRedlockPropertyException;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.test.RedisNodeOptions;
import io.github.redlock.test.RedisNodes;
import io.github.redlock.test.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code redlock.ssl.bundle} against real {@code redis-server}s with TLS ports and certificates made
 * by {@code openssl} at test time: three nodes that verify nothing of the client, and three that
 * require a client certificate signed by the test CA. The bundle is a PEM bundle
 * ({@code spring.ssl.bundle.pem.*}), as an application would write it.
 */
@Timeout(120)
class SslBundleIntegrationTests {

    @TempDir
    static Path dir;

    private static TestCertificates certificates;
    private static final List<RedisNodes> nodes = new ArrayList<>();
    private static final List<Integer> tlsPorts = new ArrayList<>();
    private static final List<Integer> mutualTlsPorts = new ArrayList<>();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, RedlockAutoConfiguration.class))
            .withPropertyValues("redlock.timeout=1s", "redlock.connect-timeout=15s", "redlock.retry-count=1");

    @BeforeAll
    static void startTlsNodes() {
        certificates = TestCertificates.create(dir);
        for (int i = 0; i < 6; i++) {
            int port = freePort();
            boolean mutual = i >= 3;
            try {
                nodes.add(RedisNodes.start(1,
                        RedisNodeOptions.defaults().withExtraArgs(certificates.redisServerArgs(port, mutual))));
            } catch (IllegalStateException e) {
                Assumptions.assumeFalse(String.valueOf(e.getMessage()).toLowerCase().contains("tls"),
                        "this redis-server has no TLS support: " + e.getMessage());
                throw e;
            }
            (mutual ? mutualTlsPorts : tlsPorts).add(port);
        }
    }

    @AfterAll
    static void stopTlsNodes() {
        nodes.forEach(RedisNodes::close);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String servers(String host, List<Integer> ports) {
        return "redlock.servers=" + ports.stream().map(port -> "rediss://" + host + ":" + port)
                .collect(Collectors.joining(","));
    }

    private static String truststore(String bundle, Path ca) {
        return "spring.ssl.bundle.pem." + bundle + ".truststore.certificate=file:" + ca;
    }

    private static void grantsALock(AssertableApplicationContext context) {
        assertThat(context).hasNotFailed();
        Redlock redlock = context.getBean(Redlock.class);
        Lease lease = redlock.tryLock("tls-bundle", Duration.ofSeconds(10)).leaseOrThrow();
        assertThat(lease.nodes()).isGreaterThanOrEqualTo(redlock.quorum());
        assertThat(redlock.release(lease)).isTrue();
    }

    private static void refusedByEveryNode(AssertableApplicationContext context) {
        assertThat(context).getFailure().rootCause().isInstanceOf(RedlockConnectionException.class)
                .satisfies(e -> assertThat(((RedlockConnectionException) e).nodes()).hasSize(3)
                        .allSatisfy(node -> assertThat(node.status()).isEqualTo(NodeStatus.ERROR)))
                .satisfies(e -> System.out.println("[tls] refused: " + e.getMessage()))
                .hasMessageContaining("Check the");
    }

    @Test
    void aPrivateCaTrustedThroughTheBundleGrantsLocks() {
        runner.withPropertyValues(servers("127.0.0.1", tlsPorts), truststore("redis", certificates.caCert()),
                "redlock.ssl.bundle=redis").run(SslBundleIntegrationTests::grantsALock);
    }

    @Test
    void aBundleOfAnotherCaIsRefused() {
        runner.withPropertyValues(servers("127.0.0.1", tlsPorts), truststore("redis", certificates.otherCaCert()),
                "redlock.ssl.bundle=redis").run(SslBundleIntegrationTests::refusedByEveryNode);
    }

    @Test
    void aHostNameTheCertificateDoesNotNameIsRefusedAlthoughTheCaIsTrusted() {
        runner.withPropertyValues(servers("localhost", tlsPorts), truststore("redis", certificates.caCert()),
                "redlock.ssl.bundle=redis").run(SslBundleIntegrationTests::refusedByEveryNode);
    }

    @Test
    void theBundlesKeystoreIsTheClientCertificateForMutualTls() {
        runner.withPropertyValues(servers("127.0.0.1", mutualTlsPorts), truststore("mtls", certificates.caCert()),
                "spring.ssl.bundle.pem.mtls.keystore.certificate=file:" + certificates.clientCert(),
                "spring.ssl.bundle.pem.mtls.keystore.private-key=file:" + certificates.clientKey(),
                "redlock.ssl.bundle=mtls").run(SslBundleIntegrationTests::grantsALock);
        runner.withPropertyValues(servers("127.0.0.1", mutualTlsPorts), truststore("trust-only", certificates.caCert()),
                "redlock.ssl.bundle=trust-only").run(SslBundleIntegrationTests::refusedByEveryNode);
    }

    @Test
    void spring_data_redis_ssl_bundleIsUsedWithItsServer() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, DataRedisAutoConfiguration.class,
                        RedlockAutoConfiguration.class))
                .withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + tlsPorts.get(0),
                        "spring.data.redis.ssl.bundle=redis", truststore("redis", certificates.caCert()))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Redlock redlock = context.getBean(Redlock.class);
                    assertThat(redlock.nodes()).containsExactly("rediss://127.0.0.1:" + tlsPorts.get(0));
                    assertThat(redlock.tryLock("tls-data-redis", Duration.ofSeconds(10)).isAcquired()).isTrue();
                });
    }

    @Test
    void anUnknownBundleFailsTheStartupNamingTheProperty() {
        runner.withPropertyValues(servers("127.0.0.1", tlsPorts), truststore("redis", certificates.caCert()),
                "redlock.ssl.bundle=reddis").run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(InvalidRedlockPropertyException.class)
                        .hasMessageContaining("redlock.ssl.bundle: there is no SSL bundle named 'reddis' (known: [redis])")
                        .hasMessageContaining("spring.ssl.bundle.pem.reddis.truststore.certificate"));
    }

    @Test
    void aBundleWithoutATlsServerFailsTheStartup() {
        runner.withPropertyValues("redlock.servers=redis://127.0.0.1:1,redis://127.0.0.1:2,redis://127.0.0.1:3",
                "redlock.require-quorum-on-startup=false", truststore("redis", certificates.caCert()),
                "redlock.ssl.bundle=redis").run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(InvalidRedlockPropertyException.class)
                        .hasMessageContaining("redlock.ssl.bundle: names the SSL bundle 'redis', but no server in"
                                + " redlock.servers uses TLS"));
    }

    /** The URI cannot switch verification off: refused before any connection, password never shown. */
    @Test
    void aUriThatLowersVerificationIsRefusedAtStartup() {
        for (String mode : List.of("NONE", "CA")) {
            runner.withPropertyValues("redlock.servers=rediss://locker:s3cret@127.0.0.1:" + tlsPorts.get(0)
                    + "?verifyPeer=" + mode + ",rediss://127.0.0.1:" + tlsPorts.get(1) + ",rediss://127.0.0.1:"
                    + tlsPorts.get(2)).run(context -> assertThat(context).getFailure().rootCause()
                            .isInstanceOf(InvalidRedlockPropertyException.class)
                            .hasMessageContaining("redlock.servers[0]")
                            .hasMessageContaining("sets verifyPeer=" + mode)
                            .hasMessageNotContaining("s3cret"));
        }
    }
}
