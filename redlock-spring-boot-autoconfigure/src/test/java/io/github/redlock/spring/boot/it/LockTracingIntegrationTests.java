package io.github.redlock.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Redlock;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.test.RedisNodesExtension;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The lock observations as spans, through Boot's own tracing auto-configuration (Micrometer
 * Tracing with the OpenTelemetry bridge), exported to memory: what a person sees in a trace.
 */
class LockTracingIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(App.class)
            .withPropertyValues("redlock.servers=" + String.join(",", redis.uris()), "redlock.retry-count=0",
                    "management.tracing.sampling.probability=1.0");

    @Test
    void aLockedCallShowsAcquireAndHoldSpansUnderTheCallersSpan() {
        runner.run(context -> {
            ObservationRegistry registry = context.getBean(ObservationRegistry.class);
            Reports reports = context.getBean(Reports.class);

            Observation.createNotStarted("checkout", registry).observe(() -> reports.build(42));

            List<SpanData> spans = exported(context.getBean(SdkTracerProvider.class), context.getBean(InMemorySpanExporter.class), 4);
            SpanData parent = span(spans, "checkout");
            SpanData acquire = span(spans, "acquire report:#{#id}");
            SpanData hold = span(spans, "hold report:#{#id}");
            assertThat(acquire.getParentSpanId()).isEqualTo(parent.getSpanId());
            assertThat(hold.getParentSpanId()).isEqualTo(parent.getSpanId());
            assertThat(acquire.getTraceId()).isEqualTo(parent.getTraceId());
            assertThat(acquire.getAttributes().get(AttributeKey.stringKey("redlock.resource"))).isEqualTo("report:#{#id}");
            assertThat(acquire.getAttributes().get(AttributeKey.stringKey("redlock.outcome"))).isEqualTo("acquired");
            assertThat(acquire.getAttributes().get(AttributeKey.stringKey("redlock.policy"))).isEqualTo("skip");
            assertThat(hold.getAttributes().get(AttributeKey.stringKey("redlock.outcome"))).isEqualTo("released");
            assertThat(acquire.getEndEpochNanos()).isLessThanOrEqualTo(hold.getStartEpochNanos());
        });
    }

    @Test
    void workObservedInsideTheLockedMethodIsAChildOfTheHoldSpan() {
        runner.run(context -> {
            ObservationRegistry registry = context.getBean(ObservationRegistry.class);

            Observation.createNotStarted("checkout", registry).observe(() -> context.getBean(Reports.class).build(43));

            List<SpanData> spans = exported(context.getBean(SdkTracerProvider.class), context.getBean(InMemorySpanExporter.class), 4);
            assertThat(span(spans, "render").getParentSpanId()).isEqualTo(span(spans, "hold report:#{#id}").getSpanId());
        });
    }

    @Test
    void aDirectCallOnTheRedlockBeanIsASpanToo() {
        runner.run(context -> {
            ObservationRegistry registry = context.getBean(ObservationRegistry.class);
            Redlock redlock = context.getBean(Redlock.class);

            Observation.createNotStarted("checkout", registry)
                    .observe(() -> redlock.release(redlock.tryLock("cart:7", Duration.ofSeconds(10)).leaseOrThrow()));

            List<SpanData> spans = exported(context.getBean(SdkTracerProvider.class), context.getBean(InMemorySpanExporter.class), 2);
            assertThat(span(spans, "acquire unnamed").getParentSpanId()).isEqualTo(span(spans, "checkout").getSpanId());
        });
    }

    /**
     * The spans of the application and of the locks, with {@code count} asserted; Lettuce's own
     * spans of each Redis command (kind CLIENT: Boot observes the Lettuce resources the engine
     * shares) are left out, after checking that no span carries the resolved key.
     */
    private static List<SpanData> exported(SdkTracerProvider provider, InMemorySpanExporter exporter, int count) {
        assertThat(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).as("spans flushed").isTrue();
        List<SpanData> all = exporter.getFinishedSpanItems();
        assertThat(all).allSatisfy(span -> assertThat(span.getAttributes().asMap().values())
                .noneMatch(value -> value.toString().matches(".*(report|cart):\\d+.*")));
        List<SpanData> spans = all.stream().filter(span -> span.getKind() != SpanKind.CLIENT).toList();
        assertThat(spans).as("exported spans").hasSize(count);
        return spans;
    }

    private static SpanData span(List<SpanData> spans, String name) {
        return spans.stream().filter(span -> span.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no span named '" + name + "' among "
                        + spans.stream().map(SpanData::getName).toList()));
    }

    public static class Reports {

        private final ObservationRegistry registry;

        Reports(ObservationRegistry registry) {
            this.registry = registry;
        }

        @DistributedLock(resource = "report:#{#id}", ttl = 10)
        public String build(int id) {
            return Observation.createNotStarted("render", registry).observe(() -> "report " + id);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {

        @Bean
        InMemorySpanExporter spanExporter() {
            return InMemorySpanExporter.create();
        }

        @Bean
        Reports reports(ObservationRegistry registry) {
            return new Reports(registry);
        }
    }
}
