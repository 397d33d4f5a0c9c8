package io.github.redlock.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import io.github.redlock.LockRequest;
import io.github.redlock.Redlock;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.test.RedisNodeOptions;
import io.github.redlock.test.RedisNodesExtension;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * The starter in a plain web application with Actuator, on the Spring Boot line of the module
 * that runs this class (the same source runs under Boot 3.5, 4.0 and 4.1): two instances of the
 * application over three password-protected Redis nodes share a scheduled job, and each exposes
 * the {@code redlock.*} meters, the {@code redlock} health and the {@code redlock} endpoint over
 * HTTP, none of them showing the password.
 */
@ExtendWith(OutputCaptureExtension.class)
class BootLineIntegrationTests {

    static final String PASSWORD = "s3cret:pa55/word";
    static final String ENCODED_PASSWORD = "s3cret%3Apa55%2Fword";

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3)
            .withOptions(RedisNodeOptions.defaults().withPassword(PASSWORD));

    static final HttpClient http = HttpClient.newHttpClient();
    static final List<ConfigurableApplicationContext> instances = new ArrayList<>();
    static final List<String> bases = new ArrayList<>();

    @BeforeAll
    static void startTwoInstances() {
        for (int i = 0; i < 2; i++) {
            ConfigurableApplicationContext context = application(String.join(",", redis.uris())).run();
            instances.add(context);
            bases.add("http://127.0.0.1:" + context.getEnvironment().getRequiredProperty("local.server.port"));
        }
    }

    @AfterAll
    static void stopInstances() {
        instances.forEach(ConfigurableApplicationContext::close);
    }

    static SpringApplicationBuilder application(String servers) {
        return new SpringApplicationBuilder(App.class).properties("server.port=0", "server.address=127.0.0.1",
                "redlock.servers=" + servers,
                "management.endpoints.web.exposure.include=health,metrics,redlock",
                "management.endpoint.health.show-details=always",
                // PING answers within 1 s even on a loaded 2-core machine (the 100 ms default is for production).
                "redlock.timeout=1s");
    }

    @Test
    void bothInstancesShareTheScheduledJobOneRunAtATimeAndCountItInTheirMeters(CapturedOutput output) throws Exception {
        System.out.println("Spring Boot " + SpringBootVersion.getVersion());
        Awaitility.await("4 runs of the scheduled job").atMost(Duration.ofSeconds(60))
                .until(() -> Job.runs.get() >= 4);
        assertThat(Job.maxInFlight.get()).as("runs of the job at the same time").isEqualTo(1);

        double acquisitions = 0;
        for (String base : bases) {
            List<String> names = json(base, "/actuator/metrics").read("$.names");
            assertThat(names).contains("redlock.nodes.up", "redlock.nodes.quorum");
            HttpResponse<String> metric = get(base, "/actuator/metrics/redlock.acquisitions?tag=resource:compat-job");
            if (metric.statusCode() == 200) {
                acquisitions += JsonPath.parse(metric.body()).read("$.measurements[0].value", Double.class);
            }
            Awaitility.await("3 nodes up at " + base).atMost(Duration.ofSeconds(30)).until(() -> json(base,
                    "/actuator/metrics/redlock.nodes.up").read("$.measurements[0].value", Double.class) == 3.0);
            DocumentContext nodeUp = json(base, "/actuator/metrics/redlock.node.up");
            List<String> nodes = nodeUp.read("$.availableTags[?(@.tag == 'node')].values[*]");
            assertThat(nodes).hasSize(3);
            assertThat(nodeUp.jsonString()).doesNotContain(PASSWORD).doesNotContain(ENCODED_PASSWORD);
        }
        assertThat(acquisitions).as("redlock.acquisitions of the job, both instances").isGreaterThanOrEqualTo(1.0);
        assertThat(output).contains("Redlock connected to 3 nodes").doesNotContain(PASSWORD)
                .doesNotContain(ENCODED_PASSWORD);
    }

    @Test
    void directCallsAreCountedAndLockedCallsObserved() throws Exception {
        Redlock redlock = instances.get(0).getBean(Redlock.class);
        redlock.release(redlock.tryLock(LockRequest.of("compat-direct:1", Duration.ofSeconds(10)).withName("compat-direct"))
                .leaseOrThrow());
        Awaitility.await("a run of the scheduled job").atMost(Duration.ofSeconds(60)).until(() -> Job.runs.get() >= 1);

        String base = bases.get(0);
        assertThat(json(base, "/actuator/metrics/redlock.acquisitions?tag=resource:compat-direct")
                .read("$.measurements[0].value", Double.class)).as("the direct call, counted").isEqualTo(1.0);
        assertThat(json(base, "/actuator/metrics/redlock.releases?tag=outcome:released")
                .read("$.measurements[0].value", Double.class)).isGreaterThanOrEqualTo(1.0);
        // Boot's meter observation handler turns the lock observations into timers of their names.
        Awaitility.await("the lock observations' timers").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<String> names = json(bases.get(0), "/actuator/metrics").read("$.names");
            List<String> other = json(bases.get(1), "/actuator/metrics").read("$.names");
            List<String> both = new ArrayList<>(names);
            both.addAll(other);
            assertThat(both).contains("redlock.lock.acquire", "redlock.lock.hold");
        });
    }

    @Test
    void healthIsUpWithAQuorumAndDownWithoutOne() throws Exception {
        for (String base : bases) {
            Awaitility.await("redlock health UP at " + base).atMost(Duration.ofSeconds(30))
                    .until(() -> get(base, "/actuator/health/redlock").statusCode() == 200);
            DocumentContext health = json(base, "/actuator/health/redlock");
            assertThat(health.read("$.status", String.class)).isEqualTo("UP");
            assertThat(health.read("$.details.quorum", Integer.class)).isEqualTo(2);
            assertThat(health.jsonString()).doesNotContain(PASSWORD).doesNotContain(ENCODED_PASSWORD);
        }
        redis.node(0).pause();
        redis.node(1).pause();
        try {
            HttpResponse<String> down = get(bases.get(0), "/actuator/health/redlock");
            assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
            DocumentContext health = JsonPath.parse(down.body());
            assertThat(health.read("$.status", String.class)).isEqualTo("DOWN");
            assertThat(health.read("$.details.up", Integer.class)).isEqualTo(1);
            assertThat(down.body()).doesNotContain(PASSWORD).doesNotContain(ENCODED_PASSWORD);
        } finally {
            redis.node(0).resume();
            redis.node(1).resume();
        }
    }

    @Test
    void endpointShowsTheNodesAndQuorumWithoutThePassword() throws Exception {
        for (String base : bases) {
            HttpResponse<String> response = get(base, "/actuator/redlock");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            DocumentContext endpoint = JsonPath.parse(response.body());
            List<String> nodes = endpoint.read("$.nodes");
            assertThat(nodes).hasSize(3).allSatisfy(node -> assertThat(node).startsWith("redis://127.0.0.1:"));
            assertThat(endpoint.read("$.quorum", Integer.class)).isEqualTo(2);
            assertThat(response.body()).doesNotContain(PASSWORD).doesNotContain(ENCODED_PASSWORD);
        }
    }

    @Test
    void badServersFailStartupNamingTheProperty(CapturedOutput output) {
        assertThatThrownBy(() -> application("redis://127.0.0.1:99999").run().close())
                .satisfies(failure -> assertThat(messages(failure)).contains("redlock.servers"));
        assertThat(output).doesNotContain(PASSWORD).doesNotContain(ENCODED_PASSWORD);
    }

    /**
     * The ACL check after a connection names the user it connects as: read from the configured
     * server, not from Lettuce's URI (whose user name getter Lettuce 7 removed).
     */
    @Test
    void anAclRefusingACommandLocksNeedIsWarnedAboutNamingTheUser(CapturedOutput output) {
        String user = "compat-locker";
        String secret = "locker-s3cret";
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            redis.node(i).command("ACL", "SETUSER", user, "reset", "on", ">" + secret, "~*", "&*", "+@all",
                    i == 0 ? "-evalsha" : "+evalsha");
            servers.add("redis://" + user + ":" + secret + "@127.0.0.1:" + redis.node(i).port());
        }
        try (Redlock redlock = Redlock.builder().servers(servers).timeout(Duration.ofSeconds(1)).build()) {
            Awaitility.await("the WARN about node 0's ACL").atMost(Duration.ofSeconds(30)).until(() ->
                    output.getAll().contains("its ACL user '" + user + "' may not run EVALSHA"));
            assertThat(output.getAll()).contains("127.0.0.1:" + redis.node(0).port()).doesNotContain(secret);
            assertThat(redlock.nodes()).hasSize(3);
        } finally {
            for (int i = 0; i < 3; i++) {
                redis.node(i).command("ACL", "DELUSER", user);
            }
        }
    }

    @Test
    void configurationMetadataDescribesTheProperties() throws IOException {
        StringBuilder metadata = new StringBuilder();
        for (URL url : Collections.list(getClass().getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"))) {
            try (InputStream in = url.openStream()) {
                metadata.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        assertThat(metadata).contains("\"redlock.servers\"", "\"redlock.default-ttl\"", "\"management.health.redlock.enabled\"");
    }

    private static String messages(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            text.append(cause.getMessage()).append('\n');
        }
        return text.toString();
    }

    private static DocumentContext json(String base, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = get(base, path);
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return JsonPath.parse(response.body());
    }

    private static HttpResponse<String> get(String base, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public static class Job {

        static final AtomicInteger runs = new AtomicInteger();
        static final AtomicInteger inFlight = new AtomicInteger();
        static final AtomicInteger maxInFlight = new AtomicInteger();

        @Scheduled(fixedDelay = 50)
        @DistributedLock(resource = "compat-job")
        public void run() {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            runs.incrementAndGet();
            inFlight.decrementAndGet();
        }
    }

    @SpringBootApplication
    @EnableScheduling
    static class App {

        @Bean
        Job job() {
            return new Job();
        }
    }
}
