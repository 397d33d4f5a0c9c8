package io.github.redlock.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Where the {@code redlock} health sits, over HTTP, while the quorum is lost (every server is a
 * closed port; the engine starts without them): in {@code /actuator/health} (DOWN, 503, by
 * default), never in Boot's liveness and readiness groups unless included, and with
 * {@code redlock.health.quorum-lost-status} a custom status that keeps the aggregate at 200.
 */
class HealthPlacementIntegrationTests {

    private static final HttpClient http = HttpClient.newHttpClient();

    /** One GET: the HTTP status and the body's status field. */
    record Answer(int code, String status, String body) {
    }

    private static Map<String, Answer> run(String... extra) throws Exception {
        List<String> properties = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
                "redlock.servers=redis://127.0.0.1:1,redis://127.0.0.1:2,redis://127.0.0.1:3",
                "redlock.require-quorum-on-startup=false", "redlock.timeout=200ms",
                "management.endpoint.health.probes.enabled=true", "management.endpoint.health.show-components=always",
                "spring.autoconfigure.exclude=org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration"));
        properties.addAll(List.of(extra));
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
                .properties(properties.toArray(String[]::new)).run()) {
            String base = "http://127.0.0.1:" + context.getEnvironment().getRequiredProperty("local.server.port");
            Map<String, Answer> answers = new java.util.LinkedHashMap<>();
            for (String path : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness")) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                answers.put(path, new Answer(response.statusCode(), JsonPath.read(response.body(), "$.status"),
                        response.body()));
            }
            return answers;
        }
    }

    @Test
    void byDefaultALostQuorumIsDownInTheAggregateAndAbsentFromTheProbes() throws Exception {
        Map<String, Answer> answers = run();

        assertThat(answers.get("/actuator/health")).satisfies(a -> {
            assertThat(a.code()).isEqualTo(503);
            assertThat(a.status()).isEqualTo("DOWN");
            assertThat(JsonPath.<String>read(a.body(), "$.components.redlock.status")).isEqualTo("DOWN");
        });
        for (String probe : List.of("/actuator/health/liveness", "/actuator/health/readiness")) {
            assertThat(answers.get(probe)).satisfies(a -> {
                assertThat(a.code()).as(probe).isEqualTo(200);
                assertThat(a.status()).as(probe).isEqualTo("UP");
                assertThat(a.body()).as(probe).doesNotContain("redlock");
            });
        }
    }

    @Test
    void anApplicationThatCanDoNothingWithoutLocksIncludesItInReadiness() throws Exception {
        Map<String, Answer> answers = run("management.endpoint.health.group.readiness.include=readinessState,redlock");

        assertThat(answers.get("/actuator/health/readiness").code()).isEqualTo(503);
        assertThat(answers.get("/actuator/health/liveness").code()).isEqualTo(200);
    }

    @Test
    void aCustomQuorumLostStatusKeepsTheAggregateAt200AndVisible() throws Exception {
        Map<String, Answer> answers = run("redlock.health.quorum-lost-status=QUORUM_LOST",
                "management.endpoint.health.status.order=DOWN,OUT_OF_SERVICE,QUORUM_LOST,UP,UNKNOWN");

        assertThat(answers.get("/actuator/health")).satisfies(a -> {
            assertThat(a.code()).isEqualTo(200);
            assertThat(a.status()).isEqualTo("QUORUM_LOST");
            assertThat(JsonPath.<String>read(a.body(), "$.components.redlock.status")).isEqualTo("QUORUM_LOST");
        });
    }

    @SpringBootApplication
    static class App {
    }
}
