package io.github.redlock.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Redlock;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.boot.autoconfigure.DistributedLockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.test.RedisNodesExtension;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Closing the application releases the leases still in use, before the Redis connections close,
 * and leaves those kept only for their minimum hold to expire.
 */
class ShutdownIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RedlockAutoConfiguration.class, DistributedLockAutoConfiguration.class))
            .withUserConfiguration(App.class);

    @Test
    void closingTheContextLeavesHeldLeasesToExpire() {
        runner.withPropertyValues(servers()).run(context -> holdAndClose(context, "owned"));
    }

    @Test
    void closingWithSharedLettuceResourcesLeavesHeldLeasesToExpire() {
        runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class)).withPropertyValues(servers())
                .run(context -> {
                    assertThat(context.getBean(Redlock.class).options().clientResources())
                            .isSameAs(context.getBean(ClientResources.class));
                    holdAndClose(context, "shared");
                });
    }

    @Test
    void springDataRedisServerIsUsedAsASingleLockNode() {
        runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
                .withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.node(2).port())
                .run(context -> {
                    assertThat(context.getBean(Redlock.class).nodes()).containsExactly(redis.uris().get(2));
                    assertThat(context.getBean(Job.class).holders("lock-on-data-redis")).isEqualTo(1);
                    holdAndClose(context, "data-redis");
                });
    }

    /**
     * Holds a lease directly and one kept for its minimum hold, then closes the context: both keep
     * their keys to expire, the first because its holder may still work under it, the second so that a
     * restart right after a short scheduled run does not let another instance run the same tick.
     */
    private static void holdAndClose(ConfigurableApplicationContext context, String name) {
        context.getBean(Redlock.class).tryLock(name + "-direct", Duration.ofSeconds(60)).leaseOrThrow();
        context.getBean(Job.class).quick(name + "-min-hold");
        assertThat(RedisKeys.holders(redis, name + "-direct")).isPositive();
        assertThat(RedisKeys.holders(redis, name + "-min-hold")).isPositive();
        int directHolders = RedisKeys.holders(redis, name + "-direct");
        int minHoldHolders = RedisKeys.holders(redis, name + "-min-hold");
        context.close();
        assertThat(RedisKeys.holders(redis, name + "-direct")).isEqualTo(directHolders);
        assertThat(RedisKeys.holders(redis, name + "-min-hold")).isEqualTo(minHoldHolders);
    }

    private static String servers() {
        return "redlock.servers=" + String.join(",", redis.uris());
    }

    public static class Job {

        @DistributedLock(resource = "#{#name}", ttl = 60, minHoldTime = 60, timeUnit = TimeUnit.SECONDS)
        public void quick(String name) {
        }

        @DistributedLock(resource = "#{#name}")
        public Integer holders(String name) {
            return RedisKeys.holders(redis, name);
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
