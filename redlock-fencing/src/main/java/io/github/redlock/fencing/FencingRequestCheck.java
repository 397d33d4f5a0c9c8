package io.github.redlock.fencing;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** The server-side check shared by the Spring MVC interceptor and the WebFlux filter. */
final class FencingRequestCheck {

    static final String PROBLEM_JSON = "application/problem+json";
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

    private final HighWaterMarks marks;

    FencingRequestCheck(HighWaterMarks marks) {
        this.marks = Objects.requireNonNull(marks, "marks");
    }

    /** The outcome of checking one request: the accepted token, or the rejection to send. */
    record Outcome(@Nullable FencingToken accepted, int status, String problem) {
    }

    static boolean applies(String method) {
        return !SAFE_METHODS.contains(method.toUpperCase(Locale.ROOT));
    }

    Outcome check(@Nullable String resource, @Nullable String token) {
        if (resource == null || token == null) {
            return rejected(428, "Fencing token required", "This request must carry the " + FencingHeaders.TOKEN
                    + " and " + FencingHeaders.RESOURCE + " headers", "");
        }
        if (resource.isEmpty() || resource.length() > FencingTokens.MAX_RESOURCE_LENGTH) {
            return rejected(400, "Malformed fencing resource", "The " + FencingHeaders.RESOURCE
                    + " header has 1 to " + FencingTokens.MAX_RESOURCE_LENGTH + " characters", "");
        }
        long value = parse(token);
        if (value < 0) {
            return rejected(400, "Malformed fencing token", "The " + FencingHeaders.TOKEN
                    + " header is a decimal integer from 0 to " + FencingTokens.MAX, "");
        }
        FencingVerdict verdict = marks.advance(resource, value);
        if (!verdict.accepted()) {
            return rejected(409, "Stale fencing token", "A newer fencing token has been accepted for this resource",
                    ",\"resource\":" + quote(resource) + ",\"token\":" + value
                            + ",\"highestToken\":" + verdict.highestToken());
        }
        return new Outcome(new FencingToken(resource, value), 200, "");
    }

    /** The token's value, or -1 if it is not 1 to 16 decimal digits up to 2^53-1. */
    private static long parse(String token) {
        if (token.isEmpty() || token.length() > 16) {
            return -1;
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
        }
        long value = Long.parseLong(token);
        return value > FencingTokens.MAX ? -1 : value;
    }

    private static Outcome rejected(int status, String title, String detail, String extra) {
        String type = "https://github.com/redlock/redlock-spring-boot-starter/blob/main/docs/fencing-guards.md#http";
        String body = "{\"type\":" + quote(type) + ",\"title\":" + quote(title) + ",\"status\":" + status
                + ",\"detail\":" + quote(detail) + extra + "}";
        return new Outcome(null, status, body);
    }

    static String quote(String text) {
        StringBuilder json = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }
}
