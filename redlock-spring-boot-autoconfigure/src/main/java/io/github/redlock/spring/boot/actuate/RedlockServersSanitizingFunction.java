package io.github.redlock.spring.boot.actuate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

/**
 * Masks the password in the server URIs of {@code redlock.servers} (and of a {@code servers}
 * property of the configuration properties report) wherever Actuator shows configuration:
 * {@code /actuator/env} and {@code /actuator/configprops}, also with {@code show-values=ALWAYS}.
 * Boot's own "likely sensitive" rules mask keys such as {@code *.password} and URIs under keys
 * ending in {@code uri} or {@code url}, not a list named {@code servers}. The user name and the
 * address stay readable: {@code redis://locker:******@10.0.0.1:6379}.
 */
public final class RedlockServersSanitizingFunction implements SanitizingFunction {

    // The start of a server URI, whatever the case of its scheme (the parser accepts REDIS://).
    private static final Pattern SCHEME = Pattern.compile("(?i)rediss?://");

    @Override
    public SanitizableData apply(SanitizableData data) {
        if (!(data.getValue() instanceof CharSequence value) || !isServers(data.getKey())) {
            return data;
        }
        String masked = mask(value.toString());
        return masked.equals(value.toString()) ? data : data.withValue(masked);
    }

    /**
     * Whether {@code key} names the servers, in any of the forms Boot binds: {@code redlock.servers},
     * {@code redlock.servers[0]}, the environment's {@code REDLOCK_SERVERS} or {@code REDLOCK_SERVERS_0_},
     * and the configuration properties report's {@code servers}.
     */
    static boolean isServers(String key) {
        String relaxed = key.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        return relaxed.matches("(.*redlock)?servers[0-9]*");
    }

    /**
     * {@code text} with the password of each server URI in it replaced by {@code ******}: the
     * user-info of a URI is everything up to its last {@code @} before the next {@code /} (a password
     * may hold a raw comma), so a list of URIs in one value is masked URI by URI.
     */
    static String mask(String text) {
        Matcher scheme = SCHEME.matcher(text);
        List<Integer> starts = new ArrayList<>();
        while (scheme.find()) {
            starts.add(scheme.end());
        }
        if (starts.isEmpty()) {
            return text;
        }
        StringBuilder masked = new StringBuilder(text.substring(0, starts.get(0)));
        for (int i = 0; i < starts.size(); i++) {
            int from = starts.get(i);
            int to = i + 1 < starts.size() ? starts.get(i + 1) - schemeLength(text, starts.get(i + 1)) : text.length();
            String uri = text.substring(from, to);
            int slash = uri.indexOf('/');
            int at = uri.lastIndexOf('@', slash >= 0 ? slash : uri.length() - 1);
            if (at < 0) {
                masked.append(uri);
            } else {
                String userInfo = uri.substring(0, at);
                int colon = userInfo.indexOf(':');
                masked.append(colon > 0 ? userInfo.substring(0, colon + 1) : "").append(SanitizableData.SANITIZED_VALUE)
                        .append(uri.substring(at));
            }
            if (i + 1 < starts.size()) {
                masked.append(text, to, starts.get(i + 1));
            }
        }
        return masked.toString();
    }

    private static int schemeLength(String text, int end) {
        return text.regionMatches(true, end - "rediss://".length(), "rediss://", 0, "rediss://".length())
                ? "rediss://".length() : "redis://".length();
    }
}
