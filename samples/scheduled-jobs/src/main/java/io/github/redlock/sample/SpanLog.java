package io.github.redlock.sample;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Writes finished spans to a file, one line each, so that a person can read the traces of the
 * demo without a tracing backend: which tick, which lock, how long waited and held, the outcome.
 * Boot's tracing auto-configuration hands every {@link SpanExporter} bean the spans it samples.
 * Lettuce's spans of single Redis commands (kind CLIENT) are left out: a lock call's own span
 * says what they add up to.
 */
public final class SpanLog implements SpanExporter {

    private final Path file;

    public SpanLog(Path file) {
        this.file = file;
    }

    /** One span: {@code trace=.. span=.. parent=.. name='..' ms=.. key=value ...}. */
    static String line(SpanData span) {
        StringBuilder line = new StringBuilder().append("trace=").append(span.getTraceId())
                .append(" span=").append(span.getSpanId())
                .append(" parent=").append(span.getParentSpanContext().isValid() ? span.getParentSpanId() : "-")
                .append(" name='").append(span.getName()).append('\'')
                .append(" ms=").append(TimeUnit.NANOSECONDS.toMillis(span.getEndEpochNanos() - span.getStartEpochNanos()));
        Map<String, Object> attributes = new TreeMap<>();
        span.getAttributes().forEach((AttributeKey<?> key, Object value) -> attributes.put(key.getKey(), value));
        attributes.forEach((key, value) -> line.append(' ').append(key).append('=').append(value));
        return line.append('\n').toString();
    }

    @Override
    public synchronized CompletableResultCode export(Collection<SpanData> spans) {
        StringBuilder lines = new StringBuilder();
        spans.stream().filter(span -> span.getKind() != SpanKind.CLIENT).forEach(span -> lines.append(line(span)));
        try {
            Files.writeString(file, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return CompletableResultCode.ofSuccess();
        } catch (IOException e) {
            return CompletableResultCode.ofExceptionalFailure(e);
        }
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}
