package io.github.redlock.spring.boot.actuate;

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

    private static final Pattern KEY = Pattern.compile("(^|.*\\.)servers(\\[\\d+])?");

    // The user-info of a redis:// or rediss:// URI: up to the '@' before the host.
    private static final Pattern USER_INFO = Pattern.compile("(rediss?://)([^@/\\s,]*)@");

    @Override
    public SanitizableData apply(SanitizableData data) {
        if (!(data.getValue() instanceof CharSequence value) || !KEY.matcher(data.getKey()).matches()) {
            return data;
        }
        String masked = mask(value.toString());
        return masked.equals(value.toString()) ? data : data.withValue(masked);
    }

    /** {@code text} with the password of each server URI in it replaced by {@code ******}. */
    static String mask(String text) {
        Matcher matcher = USER_INFO.matcher(text);
        StringBuilder masked = new StringBuilder();
        while (matcher.find()) {
            String userInfo = matcher.group(2);
            int colon = userInfo.indexOf(':');
            String kept = colon > 0 ? userInfo.substring(0, colon + 1) + SanitizableData.SANITIZED_VALUE
                    : SanitizableData.SANITIZED_VALUE;
            matcher.appendReplacement(masked, Matcher.quoteReplacement(matcher.group(1) + kept + "@"));
        }
        matcher.appendTail(masked);
        return masked.toString();
    }
}
