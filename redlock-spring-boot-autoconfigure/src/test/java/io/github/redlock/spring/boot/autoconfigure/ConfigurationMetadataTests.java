package io.github.redlock.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every property has a description and, except the server list, a default: IDE completion shows both. */
class ConfigurationMetadataTests {

    @Test
    void everyRedlockPropertyHasADescriptionAndDefault() throws Exception {
        URL metadata = Collections.list(getClass().getClassLoader().getResources("META-INF/spring-configuration-metadata.json"))
                .stream().filter(url -> !url.toString().contains(".jar!")).findFirst().orElseThrow();
        List<Map<String, Object>> properties;
        try (InputStream in = metadata.openStream()) {
            properties = JsonPath.read(in, "$.properties[?(@.name =~ /redlock\\..*/)]");
        }
        assertThat(properties).extracting(p -> p.get("name")).contains("redlock.enabled", "redlock.servers",
                "redlock.retry-count", "redlock.retry-delay", "redlock.retry-jitter", "redlock.drift-factor",
                "redlock.timeout", "redlock.connect-timeout", "redlock.reconnect-interval", "redlock.key-prefix",
                "redlock.require-quorum-on-startup", "redlock.default-ttl", "redlock.advice.order",
                "redlock.fencing.quarantine", "redlock.ssl.bundle");
        assertThat(properties).allSatisfy(p -> assertThat((String) p.get("description")).as("%s", p.get("name")).isNotBlank());
        // The server list and the SSL bundle name have no default value (none: empty, the JVM's truststore).
        assertThat(properties).filteredOn(p -> !List.of("redlock.servers", "redlock.ssl.bundle").contains(p.get("name")))
                .allSatisfy(p -> assertThat(p).as("%s", p.get("name")).containsKey("defaultValue"));
        assertThat(properties).filteredOn(p -> "redlock.fencing.quarantine".equals(p.get("name")))
                .singleElement().satisfies(p -> assertThat(p.get("defaultValue")).isEqualTo(
                        io.github.redlock.RedlockOptions.DEFAULT_FENCING_QUARANTINE.toSeconds() + "s"));
    }
}
