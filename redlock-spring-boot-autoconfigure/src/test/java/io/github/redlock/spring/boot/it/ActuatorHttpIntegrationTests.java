package io.github.redlock.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import io.github.redlock.Lease;
import io.github.redlock.Redlock;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.test.RedisNodesExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * A plain Spring Boot web application with Actuator, configured only with {@code redlock.servers}
 * (and the usual exposure of endpoints): the counters at {@code /actuator/metrics}, the
 * {@code redlock} health and the {@code redlock} endpoint over HTTP.
 */
class ActuatorHttpIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    static ConfigurableApplicationContext context;
    static HttpClient http = HttpClient.newHttpClient();
    static String base;

    @BeforeAll
    static void start() {
        context = new SpringApplicationBuilder(App.class)
                .properties("server.port=0", "server.address=127.0.0.1",
                        "redlock.servers=" + String.join(",", redis.uris()),
                        "management.endpoints.web.exposure.include=health,metrics,redlock",
                        "management.endpoint.health.show-details=always",
                        // Spring Data Redis is on this test's classpath only as an optional dependency.
                        "spring.autoconfigure.exclude=org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
                .run();
        base = "http://127.0.0.1:" + context.getEnvironment().getRequiredProperty("local.server.port");
    }

    @AfterAll
    static void stop() {
        if (context != null) {
            context.close();
        }
    }

    @Test
    void healthShowsTheRedlockContributorWithItsNodes() throws Exception {
        DocumentContext health = get("/actuator/health/redlock");
        assertThat(health.read("$.status", String.class)).isEqualTo("UP");
        assertThat(health.read("$.details.quorum", Integer.class)).isEqualTo(2);
        List<String> nodes = health.read("$.details.nodes[*].node");
        assertThat(nodes).containsExactlyElementsOf(redis.uris());
    }

    @Test
    void countersAreAtActuatorMetricsTaggedByResource() throws Exception {
        context.getBean(Greeter.class).greet("ada");
        DocumentContext metric = get("/actuator/metrics/redlock.acquisitions?tag=resource:greeting:%23%7B%23name%7D");
        assertThat(metric.read("$.measurements[0].value", Double.class)).isEqualTo(1.0);
        List<String> names = get("/actuator/metrics").read("$.names");
        assertThat(names).contains("redlock.acquisitions", "redlock.failures", "redlock.lock.acquire",
                "redlock.lock.hold.active").doesNotContain("redlock.acquire", "redlock.held");
    }

    @Test
    void endpointShowsNodesQuorumAndHeldLeasesWithoutTheirValues() throws Exception {
        Lease lease = context.getBean(Redlock.class).tryLock("http-demo", Duration.ofSeconds(30)).leaseOrThrow();
        try {
            String body = getBody("/actuator/redlock");
            DocumentContext json = JsonPath.parse(body);
            List<String> nodes = json.read("$.nodes");
            assertThat(nodes).containsExactlyElementsOf(redis.uris());
            assertThat(json.read("$.quorum", Integer.class)).isEqualTo(2);
            assertThat(json.read("$.leases[0].resource", String.class)).isEqualTo("http-demo");
            assertThat(Instant.parse(json.read("$.leases[0].since", String.class))).isEqualTo(lease.acquiredAt());
            assertThat(json.read("$.leases[0].validityLeftMillis", Long.class)).isBetween(1L, 30_000L);
            assertThat(body).doesNotContain(lease.value());
        } finally {
            lease.close();
        }
    }

    private static DocumentContext get(String path) throws IOException, InterruptedException {
        return JsonPath.parse(getBody(path));
    }

    private static String getBody(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return response.body();
    }

    public static class Greeter {

        @DistributedLock(resource = "greeting:#{#name}", ttl = 5)
        public String greet(String name) {
            return "hello " + name;
        }
    }

    @SpringBootApplication
    static class App {

        @Bean
        Greeter greeter() {
            return new Greeter();
        }
    }
}
