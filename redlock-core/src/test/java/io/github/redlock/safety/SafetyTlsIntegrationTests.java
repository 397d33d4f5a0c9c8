package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.redlock.Lease;
import io.github.redlock.NodeStatus;
import io.github.redlock.Redlock;
import io.github.redlock.RedlockConnectionException;
import io.github.redlock.test.RedisNodeOptions;
import io.github.redlock.test.RedisNodes;
import io.github.redlock.test.TestCertificates;
import io.lettuce.core.SslOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rediss://} against three {@code redis-server}s started with {@code --tls-port} and a
 * certificate from a CA made at test time ({@link TestCertificates}); the client trusts that CA
 * through {@code RedlockOptions.sslOptions}. A wrong CA, the JVM's default truststore, a wrong
 * host name, plain text to the TLS port and TLS to the plain port must all fail cleanly. Each node
 * keeps its plain port for the harness (and for looking at keys).
 */
@Timeout(90)
@ExtendWith(SafetySummary.class)
class SafetyTlsIntegrationTests {

    @TempDir
    static Path dir;

    private static TestCertificates certificates;
    private static final List<RedisNodes> nodes = new ArrayList<>();
    private static final List<Integer> tlsPorts = new ArrayList<>();

    @BeforeAll
    static void startTlsNodes() {
        certificates = TestCertificates.create(dir);
        for (int i = 0; i < 3; i++) {
            int tlsPort = freePort();
            RedisNodeOptions options = RedisNodeOptions.defaults()
                    .withExtraArgs(certificates.redisServerArgs(tlsPort, false));
            try {
                nodes.add(RedisNodes.start(1, options));
            } catch (IllegalStateException e) {
                Assumptions.assumeFalse(String.valueOf(e.getMessage()).toLowerCase().contains("tls"),
                        "this redis-server has no TLS support: " + e.getMessage());
                throw e;
            }
            tlsPorts.add(tlsPort);
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

    private static List<String> servers(Function<Integer, String> uri) {
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            servers.add(uri.apply(i));
        }
        return servers;
    }

    private static List<String> tls(String host) {
        return servers(i -> "rediss://" + host + ":" + tlsPorts.get(i));
    }

    private static SslOptions trusting(Path ca) {
        return SslOptions.builder().jdkSslProvider().trustManager(ca.toFile()).build();
    }

    /** A generous connect timeout: the first TLS handshakes of a JVM are slow on a busy machine. */
    private static Redlock.Builder builder(List<String> servers) {
        return Redlock.builder().servers(servers).timeout(Duration.ofSeconds(1)).connectTimeout(Duration.ofSeconds(30))
                .retryCount(1);
    }

    /**
     * Building must fail with a connection error naming every node, each with {@code status}: ERROR
     * means the handshake was refused (an answer, long before the 30 s connect timeout), TIMEOUT
     * that it hung until the connect timeout (then bounded by it).
     */
    private static String failure(Redlock.Builder builder, NodeStatus status) {
        long start = System.nanoTime();
        Throwable thrown = catchThrowable(() -> builder.build().close());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(thrown).isInstanceOf(RedlockConnectionException.class);
        assertThat(((RedlockConnectionException) thrown).nodes()).hasSize(3)
                .allSatisfy(node -> assertThat(node.status()).isEqualTo(status));
        Duration connectTimeout = Duration.ofSeconds(status == NodeStatus.TIMEOUT ? 2 : 30);
        assertThat(took).as("time to fail").isLessThan(connectTimeout.plusSeconds(1 + 10));
        return thrown.getMessage();
    }

    @Test
    void locksOverTlsWithTheTestCaAndRefusesEverythingElse() {
        SafetySummary.Run run = SafetySummary.start("security: TLS (rediss://, test CA, wrong CA/host/protocol)");
        String granted;
        try (Redlock redlock = builder(tls("127.0.0.1")).sslOptions(trusting(certificates.caCert())).build()) {
            Lease lease = redlock.tryLock("tls-job", Duration.ofSeconds(10)).leaseOrThrow();
            for (RedisNodes node : nodes) {
                assertThat(Nodes.awaitValue(node.node(0), "tls-job", lease.value())).isEqualTo(lease.value());
            }
            assertThat(redlock.release(lease)).isTrue();
            assertThat(nodes.get(0).node(0).command("GET", "tls-job")).isNull();
            granted = redlock.toString();
        }

        String wrongCa = failure(builder(tls("127.0.0.1")).sslOptions(trusting(certificates.otherCaCert())),
                NodeStatus.ERROR);
        String defaultTruststore = failure(builder(tls("127.0.0.1")), NodeStatus.ERROR);
        String wrongHost = failure(builder(tls("localhost")).sslOptions(trusting(certificates.caCert())),
                NodeStatus.ERROR);
        String plainToTls = failure(builder(servers(i -> "redis://127.0.0.1:" + tlsPorts.get(i))), NodeStatus.ERROR);
        // The plain port reads the TLS hello as an unfinished inline command: the handshake hangs until connectTimeout.
        String tlsToPlain = failure(builder(servers(i -> "rediss://127.0.0.1:" + nodes.get(i).node(0).port()))
                .sslOptions(trusting(certificates.caCert())).connectTimeout(Duration.ofSeconds(2)), NodeStatus.TIMEOUT);

        run.done(1, 0, 0, 0, "granted over " + granted + "; refused: wrong CA, JVM default truststore, host name not in"
                + " the certificate, plain text to the TLS port, TLS to the plain port");
        System.out.println("[safety] TLS failures as reported:\n  wrong CA: " + wrongCa + "\n  default truststore: "
                + defaultTruststore + "\n  wrong host: " + wrongHost + "\n  plain to TLS: " + plainToTls
                + "\n  TLS to plain: " + tlsToPlain);
        assertThat(wrongCa).contains("rediss://127.0.0.1:" + tlsPorts.get(0) + " ERROR");
        assertThat(wrongHost).contains("rediss://localhost:" + tlsPorts.get(0) + " ERROR");
        assertThat(plainToTls).contains("redis://127.0.0.1:" + tlsPorts.get(0));
        assertThat(tlsToPlain).contains("rediss://127.0.0.1:" + nodes.get(0).node(0).port());
    }

    /**
     * Issue 25, item 1: a server whose certificate has expired (valid in January 2020, signed by the
     * trusted CA) is refused at the handshake, and the message says that the certificate expired and
     * what to do, rather than only that the chain could not be verified.
     */
    @Test
    void anExpiredServerCertificateIsRefusedAndTheMessageNamesTheExpiryAndTheFix() {
        TestCertificates expired = certificates.withExpiredServerCertificate();
        int tlsPort = freePort();
        try (RedisNodes node = RedisNodes.start(1, RedisNodeOptions.defaults().withExtraArgs(expired.redisServerArgs(tlsPort, false)))) {
            Redlock.Builder builder = Redlock.builder().servers("rediss://127.0.0.1:" + tlsPort)
                    .timeout(Duration.ofSeconds(1)).connectTimeout(Duration.ofSeconds(30))
                    .sslOptions(trusting(certificates.caCert()));

            Throwable thrown = catchThrowable(() -> builder.build().close());

            assertThat(node.node(0).isRunning()).as("redis-server runs with the expired certificate").isTrue();
            assertThat(thrown).isInstanceOf(RedlockConnectionException.class);
            String message = thrown.getMessage();
            assertThat(((RedlockConnectionException) thrown).nodes())
                    .singleElement().satisfies(n -> assertThat(n.status()).isEqualTo(NodeStatus.ERROR));
            assertThat(message).contains("rediss://127.0.0.1:" + tlsPort + " ERROR").contains("NotAfter")
                    .contains("has expired").contains("Renew it on the server").doesNotContain("must trust the CA");
        }
    }
}
