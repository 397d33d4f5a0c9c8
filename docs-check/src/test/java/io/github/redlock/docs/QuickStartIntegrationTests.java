package io.github.redlock.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.test.RedisNodesExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.DefaultResourceLoader;

/**
 * The README's quick start, run as written against three real Redis servers: its dependencies are
 * this module's, its {@code application.yml} is the application's configuration (only the
 * servers' addresses are replaced by the test's), its {@code @SpringBootApplication} starts, the
 * 2-second job runs under its lock, and every {@code /actuator/...} URL the README names answers 200.
 */
@ExtendWith(OutputCaptureExtension.class)
class QuickStartIntegrationTests {

    private static final Pattern ARTIFACT = Pattern.compile("<artifactId>([^<]+)</artifactId>");
    private static final Pattern ACTUATOR_URL = Pattern.compile("/actuator/[\\w.:/?=-]*[\\w]");

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private final Page readme = Page.named("README.md");
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void everyDependencyTheQuickStartShowsIsOnThisModulesClassPath() throws IOException {
        String pom = Files.readString(Page.ROOT.resolve("docs-check/pom.xml"));
        List<String> shown = new ArrayList<>();
        Matcher artifact = ARTIFACT.matcher(block("xml", "redlock-spring-boot-starter"));
        while (artifact.find()) {
            shown.add(artifact.group(1));
        }
        assertThat(shown).contains("redlock-spring-boot-starter", "spring-boot-starter-actuator", "micrometer-registry-prometheus");
        for (String name : shown) {
            assertThat(pom).as("README quick start dependency %s, declared in docs-check/pom.xml", name)
                    .contains("<artifactId>" + name + "</artifactId>");
        }
    }

    @Test
    void theQuickStartRunsAndEveryActuatorUrlTheReadmeNamesAnswers(@TempDir Path dir, CapturedOutput output) throws Exception {
        PageExamples.Compiled compiled = PageExamples.compile(readme, dir);
        Class<?> application = compiled.examples().stream().flatMap(example -> example.types().stream())
                .map(compiled::type).filter(type -> AnnotatedElementUtils.hasAnnotation(type, SpringBootApplication.class))
                .findFirst().orElseThrow(() -> new AssertionError("README.md has no @SpringBootApplication example"));

        Properties configuration = configuration();
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(application)
                .resourceLoader(new DefaultResourceLoader(compiled.loader()))
                .properties(configuration).properties("server.port=0", "server.address=127.0.0.1").run()) {
            String base = "http://127.0.0.1:" + context.getEnvironment().getRequiredProperty("local.server.port");
            Set<String> urls = new LinkedHashSet<>();
            Matcher url = ACTUATOR_URL.matcher(readme.text());
            while (url.find()) {
                urls.add(url.group());
            }
            assertThat(urls).as("actuator URLs the README names").hasSizeGreaterThanOrEqualTo(4);
            for (String path : urls) {
                // The meters appear with the first run of the job, every 2 seconds.
                Awaitility.await(path + " answers 200").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .untilAsserted(() -> assertThat(get(base + path).statusCode())
                                .as("%s, with the README's application.yml", path).isEqualTo(200));
            }
            assertThat(get(base + "/actuator/health/redlock").body()).contains("\"status\":\"UP\"");
            assertThat(get(base + "/actuator/prometheus").body()).contains("redlock_acquisitions_total");
        }
        assertThat(output.getOut()).as("the quick start's job wrote its line").contains("Report ran at");
    }

    /** The quick start's configuration, with the servers replaced by the three the test started. */
    private Properties configuration() {
        YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
        yaml.setResources(new ByteArrayResource(block("yaml", "redlock:").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        Properties properties = yaml.getObject();
        assertThat(properties).as("the quick start's application.yml").isNotNull();
        Properties configuration = new Properties();
        properties.forEach((key, value) -> {
            if (!key.toString().startsWith("redlock.servers")) {
                configuration.put(key, value);
            }
        });
        assertThat(properties).containsKey("redlock.servers[0]");
        configuration.put("redlock.servers", String.join(",", redis.uris()));
        return configuration;
    }

    private String block(String language, String containing) {
        return Markdown.codeBlocks(readme).stream().filter(block -> block.language().equals(language))
                .map(Markdown.CodeBlock::code).filter(code -> code.contains(containing)).findFirst()
                .orElseThrow(() -> new AssertionError("README.md has no " + language + " block with " + containing));
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
