package io.github.redlock.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.integration.boot.RedlockIntegrationAutoConfiguration;
import io.github.redlock.integration.boot.RedlockLeaderInitiators;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.dsl.Pollers;
import org.springframework.integration.endpoint.SourcePollingChannelAdapter;

/**
 * The recipe of docs/integrations.md, "one instance consumes the queue; another takes over within
 * seconds when it dies": a consumer endpoint in the role {@code queue-consumer}, started by Spring
 * Integration's role controller only on the instance that leads the role. Two instances in one JVM
 * (two contexts, two Redlock engines) share an in-memory queue standing in for a message broker.
 */
class QueueConsumerRecipeIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    static final Queue<String> QUEUE = new ConcurrentLinkedQueue<>();

    /** The broker's queue, in the docs; here an in-memory one shared by both instances. */
    interface OrderQueue {
        @Nullable String poll();
    }

    /** What processes an order, in the docs; here it records which instance did. */
    interface Orders {
        void process(String order);
    }

    static final class RecordingOrders implements Orders {
        final List<String> processed = new CopyOnWriteArrayList<>();

        @Override
        public void process(String order) {
            processed.add(order);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Instance {

        @Bean
        OrderQueue orderQueue() {
            return QUEUE::poll;
        }

        @Bean
        RecordingOrders orders() {
            return new RecordingOrders();
        }
    }

    /** The recipe, verbatim in docs/integrations.md. */
    @Configuration(proxyBeanMethods = false)
    @EnableIntegration
    static class QueueConsumerConfiguration {

        @Bean
        IntegrationFlow queueConsumer(OrderQueue queue, Orders orders) {
            return IntegrationFlow.fromSupplier(queue::poll, adapter -> adapter
                            .poller(Pollers.fixedDelay(Duration.ofMillis(50)))
                            .autoStartup(false)           // not on every instance...
                            .role("queue-consumer"))      // ...only on the leader of this role
                    .handle(message -> orders.process((String) message.getPayload()))
                    .get();
        }
    }

    @Test
    void onlyTheLeaderConsumesAndAnotherInstanceTakesOverWhenItStops() {
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RedlockAutoConfiguration.class,
                        RedlockIntegrationAutoConfiguration.class))
                .withUserConfiguration(Instance.class, QueueConsumerConfiguration.class)
                .withPropertyValues("redlock.servers[0]=" + redis.uris().get(0), "redlock.servers[1]=" + redis.uris().get(1),
                        "redlock.servers[2]=" + redis.uris().get(2), "redlock.leader.roles=queue-consumer",
                        "redlock.leader.ttl=2s", "redlock.leader.heartbeat=200ms");
        runner.run(first -> runner.run(second -> {
            await().atMost(Duration.ofSeconds(10)).until(() -> leads(first) || leads(second));
            ConfigurableApplicationContext leader = leads(first) ? first.getSourceApplicationContext()
                    : second.getSourceApplicationContext();
            ConfigurableApplicationContext follower = leader == first.getSourceApplicationContext()
                    ? second.getSourceApplicationContext() : first.getSourceApplicationContext();
            await().atMost(Duration.ofSeconds(5)).until(() -> consumerRunning(leader));
            assertThat(consumerRunning(follower)).isFalse();
            QUEUE.add("order-1");
            await().atMost(Duration.ofSeconds(5)).until(() -> processed(leader).contains("order-1"));

            List<String> processedByLeader = processed(leader);
            leader.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> consumerRunning(follower));
            QUEUE.add("order-2");
            await().atMost(Duration.ofSeconds(5)).until(() -> processed(follower).contains("order-2"));
            assertThat(processed(follower)).containsExactly("order-2");
            assertThat(processedByLeader).containsExactly("order-1");
        }));
    }

    private static boolean leads(ConfigurableApplicationContext context) {
        return context.getBean(RedlockLeaderInitiators.class).isLeader("queue-consumer");
    }

    private static boolean consumerRunning(ConfigurableApplicationContext context) {
        return context.getBeansOfType(SourcePollingChannelAdapter.class).values().stream()
                .allMatch(SourcePollingChannelAdapter::isRunning);
    }

    private static List<String> processed(ConfigurableApplicationContext context) {
        return context.getBean(RecordingOrders.class).processed;
    }
}
