package io.github.redlock.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.github.redlock.Redlock;
import io.github.redlock.spring.boot.autoconfigure.RedlockConnectionDetails.Server;
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
    void parseReadsAddressDatabaseAndDecodedCredentialsAndKeepsTheUriWhole() {
        Server server = Server.parse("rediss://locker:p%40ss%3Aw%2Frd@10.0.0.7:6380/2?timeout=5s");
        assertThat(server.isSsl()).isTrue();
        assertThat(server.getHost()).isEqualTo("10.0.0.7");
        assertThat(server.getPort()).isEqualTo(6380);
        assertThat(server.getDatabase()).isEqualTo(2);
        assertThat(server.getUsername()).isEqualTo("locker");
        assertThat(server.getPassword()).isEqualTo("p@ss:w/rd");
        assertThat(server.toUri()).isEqualTo("rediss://locker:p%40ss%3Aw%2Frd@10.0.0.7:6380/2?timeout=5s");
        assertThat(server).hasToString("rediss://locker:****@10.0.0.7:6380/2");
    }

    @Test
    void parseTakesUserInfoWithoutColonForAPasswordAsLettuceDoes() {
        assertThat(Server.parse("redis://secret@127.0.0.1:6379")).satisfies(server -> {
            assertThat(server.getUsername()).isNull();
            assertThat(server.getPassword()).isEqualTo("secret");
            assertThat(server).hasToString("redis://:****@127.0.0.1:6379");
        });
        assertThat(Server.parse("redis://:secret@127.0.0.1").getPassword()).isEqualTo("secret");
        assertThat(Server.parse("redis://127.0.0.1").getPort()).isEqualTo(6379);
    }

    @Test
    void builtServersEncodeTheirCredentialsIntoTheUri() {
        Server server = Server.of("::1", 7000).withCredentials(null, "a:b@c d+e").withDatabase(3);
        assertThat(server.toUri()).isEqualTo("redis://:a%3Ab%40c%20d%2Be@[::1]:7000/3");
        assertThat(Server.parse(server.toUri())).isEqualTo(server);
        assertThat(Server.of("[::1]", 7000).getHost()).isEqualTo("::1");
        assertThat(Server.of("redis.local", 6379).withSsl(true).withCredentials("app", "pw").toUri())
                .isEqualTo("rediss://app:pw@redis.local:6379");
        assertThat(Server.of("redis.local", 6379).withCredentials("app", "pw")).hasToString("redis://app:****@redis.local:6379");
    }

    @Test
    void invalidServersAreRejectedWithoutShowingThePassword() {
        assertThatIllegalArgumentException().isThrownBy(() -> Server.of(" ", 6379)).withMessageContaining("host");
        assertThatIllegalArgumentException().isThrownBy(() -> Server.of("h", 0)).withMessageContaining("port");
        assertThatIllegalArgumentException().isThrownBy(() -> Server.parse("http://:pw@h:1"))
                .withMessageContaining("redis://").withMessageNotContaining("pw");
    }

    @Test
    void byDefaultTheDetailsAreTheServersOfTheProperty() {
        runner.withPropertyValues("redlock.servers=redis://127.0.0.1:1,redis://u:pw@127.0.0.1:2/1").run(context -> {
            RedlockConnectionDetails details = context.getBean(RedlockConnectionDetails.class);
            assertThat(details).isInstanceOf(PropertiesRedlockConnectionDetails.class);
            assertThat(details.getServers()).containsExactly(Server.of("127.0.0.1", 1),
                    Server.of("127.0.0.1", 2).withDatabase(1).withCredentials("u", "pw"));
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
                () -> RedlockConnectionDetails.of(List.of(Server.of("127.0.0.1", 1), Server.of("127.0.0.1", 1))))
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(InvalidRedlockPropertyException.class)
                        .hasMessageContaining("RedlockConnectionDetails servers[1]").hasMessageContaining("twice"));
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoContainers {

        @Bean
        @Order(2)
        RedlockConnectionDetails second() {
            return RedlockConnectionDetails.of(List.of(Server.of("127.0.0.1", 3)));
        }

        @Bean
        @Order(1)
        RedlockConnectionDetails first() {
            return RedlockConnectionDetails.of(List.of(Server.of("127.0.0.1", 1), Server.of("127.0.0.1", 2)));
        }
    }
}
