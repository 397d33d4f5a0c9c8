package io.github.redlock.sample.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One tick's trace, read from an instance's span file (written by the sample's {@code SpanLog}),
 * as an indented tree: the scheduled task, the lock's {@code acquire} and {@code hold} spans in
 * it, and the work inside the hold.
 */
record TraceSample(String instance, List<Span> spans) {

    private static final Pattern LINE = Pattern.compile(
            "^trace=(\\S+) span=(\\S+) parent=(\\S+) name='([^']*)' ms=(\\d+)(.*)$");

    record Span(String trace, String id, String parent, String name, long millis, String attributes) {
    }

    /** The first trace in {@code lines} that holds a span named {@code held} (a hold of that lock). */
    static Optional<TraceSample> find(String instance, List<String> lines, String held) {
        Map<String, List<Span>> byTrace = new LinkedHashMap<>();
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                Span span = new Span(m.group(1), m.group(2), m.group(3), m.group(4), Long.parseLong(m.group(5)),
                        m.group(6).trim());
                byTrace.computeIfAbsent(span.trace(), t -> new ArrayList<>()).add(span);
            }
        }
        return byTrace.values().stream().filter(spans -> spans.stream().anyMatch(s -> s.name().equals(held)))
                .findFirst().map(spans -> new TraceSample(instance, spans));
    }

    /** The span named {@code name}, if the trace has one. */
    Optional<Span> span(String name) {
        return spans.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The span whose id is {@code span}'s parent, if it is in this trace. */
    Optional<Span> parentOf(Span span) {
        return spans.stream().filter(s -> s.id().equals(span.parent())).findFirst();
    }

    String render() {
        StringBuilder out = new StringBuilder();
        spans.stream().filter(s -> parentOf(s).isEmpty()).forEach(root -> render(root, 0, out));
        return out.toString();
    }

    private void render(Span span, int depth, StringBuilder out) {
        out.append("  ".repeat(depth + 1)).append(String.format("%-34s %5d ms  %s%n", span.name(), span.millis(),
                span.attributes()));
        spans.stream().filter(child -> child.parent().equals(span.id())).forEach(child -> render(child, depth + 1, out));
    }
}
