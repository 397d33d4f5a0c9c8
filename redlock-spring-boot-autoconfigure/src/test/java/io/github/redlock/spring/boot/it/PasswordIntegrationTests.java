package io.github.redlock.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Redlock;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.boot.actuate.RedlockEndpoint;
import io.github.redlock.spring.boot.actuate.RedlockHealthIndicator;
import io.github.redlock.spring.boot.autoconfigure.DistributedLockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockEndpointAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockHealthAutoConfiguration;
import io.github.redlock.test.RedisNodeOptions;
import io.github.redlock.test.RedisNodesExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Password-protected nodes: locks work, and the password shows nowhere (health, endpoint, logs). */
@ExtendWith(OutputCaptureExtension.class)
class PasswordIntegrationTests {

    static final String PASSWORD = "p@ss:w/rd+Q==";

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3)
            .withOptions(RedisNodeOptions.defaults().withPassword(PASSWORD));

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RedlockAutoConfiguration.class, DistributedLockAutoConfiguration.class,
                    RedlockHealthAutoConfiguration.class, RedlockEndpointAutoConfiguration.class))
            .withUserConfiguration(App.class)
            .withPropertyValues("management.endpoints.web.exposure.include=redlock");

    @Test
    void locksWorkAndNoOutputShowsThePassword(CapturedOutput output) {
        runner.withPropertyValues("redlock.servers=" + String.join(",", redis.uris())).run(context -> {
            assertThat(context.getBean(Job.class).holders()).isEqualTo(3);
            var health = context.getBean(RedlockHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails().toString()).doesNotContain(PASSWORD).doesNotContain("p%40ss");
            assertThat(context.getBean(RedlockEndpoint.class).redlock().toString()).doesNotContain(PASSWORD)
                    .doesNotContain("p%40ss");
            assertThat(context.getBean(Redlock.class).nodes()).allSatisfy(node -> assertThat(node).doesNotContain("@"));
        });
        assertThat(output).doesNotContain(PASSWORD).doesNotContain("p%40ss");
    }

    @Test
    void springDataRedisPasswordIsPassedOnEncoded() {
        runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
                .withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.node(1).port(),
                        "spring.data.redis.password=" + PASSWORD)
                .run(context -> assertThat(context.getBean(Job.class).holders()).isEqualTo(1));
    }

    @Test
    void wrongPasswordFailsStartupWithoutShowingIt() {
        runner.withPropertyValues("redlock.servers=" + String.join(",", redis.uris()).replace("p%40ss", "wrong"))
                .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("quorum")
                        .hasMessageNotContaining("wrong%3Aw").hasMessageNotContaining("wrong:w"));
    }

    public static class Job {

        /** On how many nodes the lock key exists while the method runs. */
        @DistributedLock(resource = "password-protected")
        public Integer holders() {
            return RedisKeys.holders(redis, "password-protected");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class App {

        @Bean
        Job job() {
            return new Job();
        }
    }
}
