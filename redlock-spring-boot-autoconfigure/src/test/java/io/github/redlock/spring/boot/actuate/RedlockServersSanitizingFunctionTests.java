package io.github.redlock.spring.boot.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.spring.boot.autoconfigure.RedlockSanitizingAutoConfiguration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.context.properties.ConfigurationPropertiesReportEndpoint;
import org.springframework.boot.actuate.env.EnvironmentEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Passwords in {@code redlock.servers} never reach {@code /actuator/env} or
 * {@code /actuator/configprops} in clear, also with {@code show-values=ALWAYS} and Boot's
 * recommended "likely sensitive" sanitizer, which masks {@code *.password} but not a URI's user-info
 * under a key that does not end in {@code uri} or {@code url}.
 */
class RedlockServersSanitizingFunctionTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RedlockSanitizingAutoConfiguration.class))
            .withPropertyValues("redlock.servers[0]=redis://locker:s3cr%40t@10.0.0.1:6379",
                    "redlock.servers[1]=rediss://:only-a-password@10.0.0.2:6380/2",
                    "redlock.servers[2]=redis://10.0.0.3:6379");

    @Test
    void theEnvironmentEndpointShowsNoPasswordOfAServer() {
        runner.run(context -> {
            List<SanitizingFunction> functions = context.getBeanProvider(SanitizingFunction.class).orderedStream()
                    .toList();
            assertThat(functions).as("sanitizing functions").isNotEmpty();
            List<SanitizingFunction> all = new java.util.ArrayList<>(functions);
            all.add(SanitizingFunction.sanitizeValue().ifLikelySensitive());
            EnvironmentEndpoint endpoint = new EnvironmentEndpoint(context.getEnvironment(), all, Show.ALWAYS);

            String shown = shown(endpoint);

            assertThat(shown).doesNotContain("s3cr").doesNotContain("only-a-password")
                    .contains("redis://locker:******@10.0.0.1:6379", "rediss://******@10.0.0.2:6380/2",
                            "redis://10.0.0.3:6379");
        });
    }

    @Test
    void theConfigurationPropertiesEndpointShowsNoPasswordOfAServer() {
        runner.withUserConfiguration(WithProperties.class).run(context -> {
            List<SanitizingFunction> all = new java.util.ArrayList<>(
                    context.getBeanProvider(SanitizingFunction.class).orderedStream().toList());
            all.add(SanitizingFunction.sanitizeValue().ifLikelySensitive());
            ConfigurationPropertiesReportEndpoint endpoint = new ConfigurationPropertiesReportEndpoint(all, Show.ALWAYS);
            endpoint.setApplicationContext(context);

            String shown = String.valueOf(endpoint.configurationPropertiesWithPrefix("redlock").getContexts().values()
                    .stream().flatMap(c -> c.getBeans().values().stream()).map(bean -> bean.getProperties())
                    .toList());

            assertThat(shown).contains("redis://locker:******@10.0.0.1:6379").doesNotContain("s3cr")
                    .doesNotContain("only-a-password");
        });
    }

    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    @org.springframework.boot.context.properties.EnableConfigurationProperties(
            io.github.redlock.spring.boot.autoconfigure.RedlockProperties.class)
    static class WithProperties {
    }

    @Test
    void bootsOwnLikelySensitiveRulesWouldShowThePassword() {
        runner.run(context -> {
            EnvironmentEndpoint endpoint = new EnvironmentEndpoint(context.getEnvironment(),
                    List.of(SanitizingFunction.sanitizeValue().ifLikelySensitive()), Show.ALWAYS);

            assertThat(shown(endpoint)).as("what this function is for")
                    .contains("s3cr%40t");
        });
    }

    /** Every value the endpoint shows for redlock.servers, joined. */
    private static String shown(EnvironmentEndpoint endpoint) {
        return endpoint.environment("redlock\\.servers.*").getPropertySources().stream()
                .flatMap(source -> source.getProperties().values().stream())
                .map(property -> String.valueOf(property.getValue())).collect(java.util.stream.Collectors.joining(" "));
    }

    @Test
    void aListAndACommaSeparatedValueAreMaskedToo() {
        RedlockServersSanitizingFunction function = new RedlockServersSanitizingFunction();

        SanitizableData list = function.apply(new SanitizableData(null, "servers",
                "redis://a:pw1@h1:1,redis://:pw2@h2:2,redis://h3:3"));
        SanitizableData other = function.apply(new SanitizableData(null, "spring.application.name", "redis://a:pw@h:1"));

        assertThat(String.valueOf(list.getValue())).isEqualTo("redis://a:******@h1:1,redis://******@h2:2,redis://h3:3");
        assertThat(function.apply(new SanitizableData(null, "REDLOCK_SERVERS_0_", "REDIS://u:p,w@h:6379/1")).getValue())
                .as("an environment variable, an upper-case scheme, a comma in the password")
                .isEqualTo("REDIS://u:******@h:6379/1");
        assertThat(function.apply(new SanitizableData(null, "REDLOCK_SERVERS", "rediss://u:pw@h:1,redis://v:x@g:2"))
                .getValue()).isEqualTo("rediss://u:******@h:1,redis://v:******@g:2");
        assertThat(other.getValue()).as("other keys are left to other functions").isEqualTo("redis://a:pw@h:1");
    }
}
