package io.github.redlock.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import io.github.redlock.RedisServer;
import io.github.redlock.RedlockOptions;
import java.io.InputStream;
import java.net.URL;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each default is defined once, in the core ({@link RedlockOptions}, or {@link RedlockProperties}
 * for the properties only the Boot layer has); the properties and the configuration metadata must
 * say the same. The docs-check module checks the table of docs/spring-boot.md against the metadata.
 */
class DefaultsTests {

    private final RedlockProperties properties = new RedlockProperties();

    @Test
    void propertiesStartFromTheEngineDefaults() {
        RedlockOptions engine = RedlockOptions.builder().servers("redis://127.0.0.1:6379").build();
        RedlockOptions fromProperties = RedlockPropertiesMapper.options(properties, "redlock.servers",
                List.of(RedisServer.parse("redis://127.0.0.1:6379")));
        assertThat(fromProperties).usingRecursiveComparison().isEqualTo(engine);
    }

    @Test
    void metadataStatesTheDefaultOfEveryProperty() throws Exception {
        assertThat(metadataDefaults()).containsAllEntriesOf(actualDefaults());
    }

    /** What a fresh {@link RedlockProperties} holds, written as the metadata writes it. */
    private Map<String, String> actualDefaults() {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("redlock.enabled", String.valueOf(properties.isEnabled()));
        defaults.put("redlock.retry-count", String.valueOf(properties.getRetryCount()));
        defaults.put("redlock.retry-delay", text(properties.getRetryDelay()));
        defaults.put("redlock.retry-jitter", text(properties.getRetryJitter()));
        defaults.put("redlock.drift-factor", String.valueOf(properties.getDriftFactor()));
        defaults.put("redlock.timeout", text(properties.getTimeout()));
        defaults.put("redlock.connect-timeout", text(properties.getConnectTimeout()));
        defaults.put("redlock.reconnect-interval", text(properties.getReconnectInterval()));
        defaults.put("redlock.request-queue-size", String.valueOf(properties.getRequestQueueSize()));
        defaults.put("redlock.key-prefix", properties.getKeyPrefix());
        defaults.put("redlock.require-quorum-on-startup", String.valueOf(properties.isRequireQuorumOnStartup()));
        defaults.put("redlock.default-ttl", text(properties.getDefaultTtl()));
        defaults.put("redlock.advice.order", String.valueOf(properties.getAdvice().getOrder()));
        return defaults;
    }

    private Map<String, String> metadataDefaults() throws Exception {
        URL metadata = Collections.list(getClass().getClassLoader().getResources("META-INF/spring-configuration-metadata.json"))
                .stream().filter(url -> !url.toString().contains(".jar!")).findFirst().orElseThrow();
        List<Map<String, Object>> entries;
        try (InputStream in = metadata.openStream()) {
            entries = JsonPath.read(in, "$.properties[?(@.name =~ /redlock\\..*/)]");
        }
        Map<String, String> defaults = new LinkedHashMap<>();
        entries.stream().filter(entry -> entry.containsKey("defaultValue"))
                .forEach(entry -> defaults.put((String) entry.get("name"), String.valueOf(entry.get("defaultValue"))));
        return defaults;
    }

    private static String text(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }
}
