package io.github.redlock.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.RedisServer;
import io.github.redlock.Redlock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

/**
 * The mapping between {@code redlock.servers}, {@link RedlockConnectionDetails} and the engine's
 * servers. No Redis runs here: the servers are closed loopback ports, and
 * {@code require-quorum-on-startup=false} lets the engine start without them.
 */
class RedlockConnectionDetailsTests {

    static final String NO_QUORUM_NEEDED = "redlock.require-quorum-on-startup=false";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RedlockAutoConfiguration.class))
            .withPropertyValues(NO_QUORUM_NEEDED);

    @Test
    void byDefaultTheDetailsAreTheServersOfTheProperty() {
        runner.withPropertyValues("redlock.servers=redis://127.0.0.1:1,redis://u:pw@127.0.0.1:2/1").run(context -> {
            RedlockConnectionDetails details = context.getBean(RedlockConnectionDetails.class);
            assertThat(details).isInstanceOf(PropertiesRedlockConnectionDetails.class);
            assertThat(details.getServers()).containsExactly(RedisServer.of("127.0.0.1", 1),
                    RedisServer.of("127.0.0.1", 2).withDatabase(1).withCredentials("u", "pw"));
            assertThat(context.getBean(Redlock.class).nodes()).containsExactly("redis://127.0.0.1:1",
                    "redis://127.0.0.1:2/1");
        });
    }

    @Test
    void aBadPropertyEntryIsNamedByItsIndex() {
        runner.withPropertyValues("redlock.servers=redis://127.0.0.1:1,redis://:pw@127.0.0.1:99999")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(InvalidRedlockPropertyException.class)
                        .hasMessageContaining("redlock.servers[1]").hasMessageNotContaining("pw"));
    }

    @Test
    void aPropertyEntryWithARawAtInThePasswordAsksToPercentEncodeIt() {
        runner.withPropertyValues("redlock.servers=redis://127.0.0.1:1,redis://locker:p@ss@127.0.0.1:2")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(InvalidRedlockPropertyException.class)
                        .hasMessageContaining("redlock.servers[1]: Redis server URI 'redis://****@127.0.0.1:2'")
                        .hasMessageContaining("percent-encode the password").hasMessageContaining("%40")
                        .hasMessageNotContaining("p@ss"));
    }

    @Test
    void aDetailsBeanReplacesThePropertyAndSeveralAreJoinedInOrder() {
        runner.withUserConfiguration(TwoContainers.class)
                .withPropertyValues("redlock.servers=redis://127.0.0.1:9")
                .run(context -> {
                    assertThat(context).doesNotHaveBean(PropertiesRedlockConnectionDetails.class);
                    assertThat(context.getBean(Redlock.class).nodes()).containsExactly("redis://127.0.0.1:1",
                            "redis://127.0.0.1:2", "redis://127.0.0.1:3");
                });
    }

    @Test
    void aDetailsBeanAloneCreatesTheEngineWithoutTheProperty() {
        runner.withUserConfiguration(TwoContainers.class).run(context -> assertThat(context).hasSingleBean(Redlock.class));
    }

    @Test
    void aBadServerOfADetailsBeanFailsStartupNamingTheBeans() {
        runner.withBean(RedlockConnectionDetails.class,
                () -> RedlockConnectionDetails.of(List.of(RedisServer.of("127.0.0.1", 1), RedisServer.of("127.0.0.1", 1))))
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(InvalidRedlockPropertyException.class)
                        .hasMessageContaining("RedlockConnectionDetails servers[1]").hasMessageContaining("twice"));
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoContainers {

        @Bean
        @Order(2)
        RedlockConnectionDetails second() {
            return RedlockConnectionDetails.of(List.of(RedisServer.of("127.0.0.1", 3)));
        }

        @Bean
        @Order(1)
        RedlockConnectionDetails first() {
            return RedlockConnectionDetails.of(List.of(RedisServer.of("127.0.0.1", 1), RedisServer.of("127.0.0.1", 2)));
        }
    }
}
