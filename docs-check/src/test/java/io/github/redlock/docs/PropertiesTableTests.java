package io.github.redlock.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The properties table of {@code docs/spring-boot.md} (the table in its section
 * {@value #SECTION}) lists exactly the properties of the built
 * {@code META-INF/spring-configuration-metadata.json} of {@code redlock-spring-boot-autoconfigure},
 * each with the default the metadata states: the first {@code `code`} of its second cell, or
 * {@code (none)} when the metadata states none.
 */
class PropertiesTableTests {

    static final String PAGE = "docs/spring-boot.md";
    static final String SECTION = "## Configuration properties";

    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([^`]+)`\\s*\\|([^|]*)\\|");
    private static final Pattern FIRST_CODE = Pattern.compile("`([^`]*)`");

    /** A property of the metadata: its default as the table writes it, and its description. */
    record Property(String defaultValue, String description) {
    }

    @Test
    void thePropertiesTableMatchesTheConfigurationMetadata() {
        assertThat(problems(Page.named(PAGE), metadata())).as("%s, table under '%s'", PAGE, SECTION).isEmpty();
    }

    @Test
    void aMissingRowAndAWrongDefaultAreNamed() {
        Page page = new Page(Page.ROOT.resolve(PAGE), PAGE, List.of(SECTION, "", "| property | default | description |",
                "|---|---|---|", "| `redlock.timeout` | `50ms` | Silence. |", "| `redlock.gone` | `1` | Removed. |", "## Next"));
        Map<String, Property> metadata = new LinkedHashMap<>();
        metadata.put("redlock.timeout", new Property("100ms", "How long."));
        metadata.put("redlock.retry-count", new Property("3", "Retries."));
        assertThat(problems(page, metadata)).containsExactly(
                "docs/spring-boot.md:5: row `redlock.timeout`: the default is `100ms` in the metadata, not `50ms`",
                "docs/spring-boot.md:6: row `redlock.gone`: no such property in the metadata: remove the row",
                "docs/spring-boot.md: add a row: | `redlock.retry-count` | `3` | Retries. |");
    }

    static List<String> problems(Page page, Map<String, Property> metadata) {
        List<String> problems = new ArrayList<>();
        Map<String, Integer> documented = new LinkedHashMap<>();
        int start = page.lines().indexOf(SECTION);
        if (start < 0) {
            return List.of(page.name() + ": no heading '" + SECTION + "'");
        }
        for (int i = start + 1; i < page.lines().size() && !page.lines().get(i).startsWith("#"); i++) {
            Matcher row = ROW.matcher(page.lines().get(i));
            if (!row.find()) {
                continue;
            }
            String name = row.group(1);
            documented.put(name, i + 1);
            Property property = metadata.get(name);
            Matcher code = FIRST_CODE.matcher(row.group(2));
            String written = code.find() ? code.group(1) : row.group(2).strip();
            if (property == null) {
                problems.add(page.at(i + 1) + ": row `" + name + "`: no such property in the metadata: remove the row");
            } else if (!written.equals(property.defaultValue())) {
                problems.add(page.at(i + 1) + ": row `" + name + "`: the default is " + shown(property.defaultValue())
                        + " in the metadata, not " + shown(written));
            }
        }
        metadata.forEach((name, property) -> {
            if (!documented.containsKey(name)) {
                problems.add(page.name() + ": add a row: | `" + name + "` | " + shown(property.defaultValue()) + " | "
                        + property.description() + " |");
            }
        });
        return problems;
    }

    private static String shown(String value) {
        return value.equals("(none)") ? value : "`" + value + "`";
    }

    /** The redlock properties of the metadata that redlock-spring-boot-autoconfigure's build wrote. */
    static Map<String, Property> metadata() {
        try {
            URL url = Collections.list(PropertiesTableTests.class.getClassLoader()
                            .getResources("META-INF/spring-configuration-metadata.json")).stream()
                    .filter(candidate -> candidate.toString().contains("redlock-spring-boot-autoconfigure"))
                    .filter(candidate -> !candidate.toString().contains("-boot3")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no configuration metadata of redlock-spring-boot-autoconfigure on the class path"));
            List<Map<String, Object>> entries;
            try (InputStream in = url.openStream()) {
                entries = JsonPath.read(in, "$.properties[*]");
            }
            Map<String, Property> properties = new LinkedHashMap<>();
            for (Map<String, Object> entry : entries) {
                Object value = entry.get("defaultValue");
                String text = value == null ? "(none)" : value.toString().isEmpty() ? "\"\"" : value.toString();
                Object description = entry.get("description");
                properties.put((String) entry.get("name"), new Property(text, description == null ? "" : description.toString()));
            }
            return properties;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
