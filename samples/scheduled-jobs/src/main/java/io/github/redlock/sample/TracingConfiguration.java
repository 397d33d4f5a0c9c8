package io.github.redlock.sample;

import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Traces to a file, when {@code sample.trace-file} is set (the demo sets one per instance): each
 * scheduled tick is a trace, with the lock's {@code acquire} and {@code hold} spans inside it.
 */
@Configuration(proxyBeanMethods = false)
class TracingConfiguration {

    @Bean
    @ConditionalOnProperty("sample.trace-file")
    SpanLog spanLog(@Value("${sample.trace-file}") Path file) {
        return new SpanLog(file);
    }
}
