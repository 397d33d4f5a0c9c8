package io.github.redlock.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.test.RedisNodesExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The shipped Grafana dashboard cannot drift from the metric names: every metric its queries use
 * appears in the sample's {@code /actuator/prometheus} output once the jobs have run.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "sample.instance-id=dashboard-test")
class DashboardIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final Pattern METRIC = Pattern.compile("\\bredlock_[a-z_]+");
    private static final Pattern EXPR = Pattern.compile("\"(?:expr|query)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    @DynamicPropertySource
    static void redisServers(DynamicPropertyRegistry registry) {
        registry.add("redlock.servers", () -> String.join(",", redis.uris()));
    }

    @Autowired
    private RunLog runLog;

    @Autowired
    private Environment environment;

    @Test
    void everyMetricTheDashboardQueriesIsExported() throws Exception {
        Set<String> queried = metricsQueriedBy(Path.of("..", "dashboards", "redlock.json"));
        assertThat(queried).contains("redlock_acquisitions_total", "redlock_failures_total", "redlock_nodes_up");

        await().atMost(Duration.ofSeconds(30)).until(() -> runLog.runs().stream().map(RunLog.Run::job).distinct().count() == 3);
        String scrape = get("/actuator/prometheus");

        assertThat(queried).allSatisfy(metric -> assertThat(scrape).as("exported metric").contains(metric));
        // One family per event, derived from the observations, with their tag scheme; the hand-written timers are gone.
        assertThat(queried).contains("redlock_lock_acquire_seconds_bucket", "redlock_lock_hold_active_seconds_count");
        assertThat(scrape).contains("redlock_lock_acquire_seconds_bucket{", "redlock_resource=\"", "redlock_outcome=\"acquired\"",
                "redlock_policy=\"skip\"").doesNotContain("redlock_acquire_seconds", "redlock_held_seconds");
    }

    private static Set<String> metricsQueriedBy(Path dashboard) throws IOException {
        Set<String> metrics = new TreeSet<>();
        Matcher expr = EXPR.matcher(Files.readString(dashboard));
        while (expr.find()) {
            Matcher metric = METRIC.matcher(expr.group(1));
            while (metric.find()) {
                metrics.add(metric.group());
            }
        }
        return metrics;
    }

    private String get(String path) throws IOException, InterruptedException {
        String port = environment.getRequiredProperty("local.server.port");
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }
}
