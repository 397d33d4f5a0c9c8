package io.github.redlock.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import io.github.redlock.integration.boot.RedlockIntegrationAutoConfiguration;
import io.github.redlock.integration.boot.RedlockLeaderHealthAutoConfiguration;
import io.github.redlock.integration.boot.RedlockLeaderInitiators;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.test.RedisNodesExtension;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.integration.leader.event.AbstractLeaderEvent;
import org.springframework.integration.leader.event.OnGrantedEvent;
import org.springframework.integration.support.SmartLifecycleRoleController;
import org.springframework.integration.support.locks.DefaultLockRegistry;
import org.springframework.integration.support.locks.DistributedLock;
import org.springframework.integration.support.locks.LockRegistry;

/** The auto-configuration of the registry, of leader election per role and of its health detail, with real nodes. */
class RedlockIntegrationAutoConfigurationIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private ApplicationContextRunner runner() {
        List<String> properties = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            properties.add("redlock.servers[" + i + "]=" + redis.uris().get(i));
        }
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RedlockAutoConfiguration.class,
                        RedlockIntegrationAutoConfiguration.class, RedlockLeaderHealthAutoConfiguration.class))
                .withPropertyValues(properties.toArray(String[]::new));
    }

    @Test
    void aRegistryWithTheConfiguredTtlAndNoElectionUnlessRolesAreListed() {
        runner().withPropertyValues("redlock.lock-registry.ttl=5s").run(context -> {
            assertThat(context).hasSingleBean(RedlockLockRegistry.class).doesNotHaveBean(RedlockLeaderInitiators.class)
                    .doesNotHaveBean("redlockLeaderHealthIndicator");
            assertThat(context.getBean(RedlockLockRegistry.class).defaultTtl()).isEqualTo(Duration.ofSeconds(5));
            DistributedLock lock = context.getBean(RedlockLockRegistry.class).obtain("auto");
            assertThat(lock.tryLock()).isTrue();
            lock.unlock();
        });
    }

    @Test
    void backsOffForTheApplicationsOwnLockRegistry() {
        runner().withBean(LockRegistry.class, DefaultLockRegistry::new)
                .run(context -> assertThat(context).doesNotHaveBean(RedlockLockRegistry.class));
    }

    @Test
    void backsOffWithoutSpringIntegration7() {
        // Spring Integration 6.x (Boot 3.5) has no DistributedLock.
        runner().withClassLoader(new FilteredClassLoader(DistributedLock.class))
                .withPropertyValues("redlock.leader.roles=orders")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(RedlockLockRegistry.class)
                        .doesNotHaveBean(RedlockLeaderInitiators.class));
    }

    @Test
    void electsALeaderPerRolePublishesTheEventsShowsTheRolesLedInHealthAndReleasesThemOnShutdown() {
        List<String> granted = new CopyOnWriteArrayList<>();
        runner().withPropertyValues("redlock.leader.roles=orders,billing", "redlock.leader.ttl=2s",
                        "redlock.leader.heartbeat=200ms")
                .withBean("grants", ApplicationListener.class,
                        () -> (ApplicationListener<AbstractLeaderEvent>) event -> {
                            if (event instanceof OnGrantedEvent) {
                                granted.add(event.getRole());
                            }
                        })
                .run(context -> {
                    RedlockLeaderInitiators initiators = context.getBean(RedlockLeaderInitiators.class);
                    await().atMost(Duration.ofSeconds(10)).until(() -> initiators.leading().size() == 2);
                    assertThat(granted).containsExactlyInAnyOrder("orders", "billing");
                    Health health = context.getBean("redlockLeaderHealthIndicator", HealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                    assertThat(health.getDetails()).containsEntry("leading", Set.of("orders", "billing"))
                            .containsEntry("roles", Map.of("orders", true, "billing", true));
                    for (var node : redis.nodes()) {
                        assertThat(node.command("EXISTS", "orders")).isEqualTo(1L);
                    }
                });
        // Shutting down gave the roles up at once: nobody has to wait for the TTL to take over.
        for (var node : redis.nodes()) {
            assertThat(node.command("EXISTS", "orders")).as("released on shutdown").isEqualTo(0L);
        }
    }

    @Test
    void aHeartbeatLongerThanHalfTheTtlFailsAtStartup() {
        runner().withPropertyValues("redlock.leader.roles=orders", "redlock.leader.ttl=1s", "redlock.leader.heartbeat=600ms")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("at most half of the leader TTL"));
    }

    @Test
    void aHeartbeatThatLeavesNoRoomForTheRenewalTimeoutsFailsAtStartup() {
        // 400 ms is at most half the TTL, but a renewal may take two timeouts of 300 ms: 400 + 600 + drift > 1000.
        runner().withPropertyValues("redlock.timeout=300ms", "redlock.leader.roles=orders", "redlock.leader.ttl=1s",
                        "redlock.leader.heartbeat=400ms")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("redlock.leader.heartbeat").hasMessageContaining("redlock.timeout")
                        .hasMessageContaining("redlock.leader.ttl"));
    }

    @Test
    void onShutdownTheRolesEndpointsStopWhileThisInstanceStillLeads() {
        AtomicReference<RedlockLeaderInitiators> initiators = new AtomicReference<>();
        List<Boolean> leadingWhenStopped = new CopyOnWriteArrayList<>();
        SmartLifecycle endpoint = new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                running = true;
            }

            @Override
            public void stop() {
                if (running) {
                    leadingWhenStopped.add(initiators.get().isLeader("workers"));
                }
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }

            @Override
            public boolean isAutoStartup() {
                return false;
            }
        };
        runner().withPropertyValues("redlock.leader.roles=workers", "redlock.leader.ttl=2s", "redlock.leader.heartbeat=200ms")
                .withBean(SmartLifecycleRoleController.class,
                        () -> new SmartLifecycleRoleController(List.of("workers"), List.of(endpoint)))
                .run(context -> {
                    initiators.set(context.getBean(RedlockLeaderInitiators.class));
                    await().atMost(Duration.ofSeconds(10)).until(endpoint::isRunning);
                });
        await().atMost(Duration.ofSeconds(10)).until(() -> !leadingWhenStopped.isEmpty());
        assertThat(leadingWhenStopped).as("whether this instance still led when the role's endpoint was stopped")
                .containsExactly(true);
        for (var node : redis.nodes()) {
            assertThat(node.command("EXISTS", "workers")).as("released on shutdown").isEqualTo(0L);
        }
    }

    @Test
    void everyPropertyHasADescriptionAndADefault() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            List<Map<String, Object>> properties = JsonPath.parse(in).read("$.properties[*]");
            List<String> names = new ArrayList<>();
            for (Map<String, Object> property : properties) {
                String name = (String) property.get("name");
                names.add(name);
                assertThat(property.get("description")).as(name + " description").isNotNull();
                assertThat(property).as(name + " default").containsKey("defaultValue");
            }
            assertThat(names).contains("redlock.leader.roles", "redlock.leader.ttl", "redlock.leader.heartbeat",
                    "redlock.leader.busy-wait", "redlock.leader.publish-failed-events", "redlock.lock-registry.ttl",
                    "redlock.lock-registry.cache-capacity", "management.health.redlock-leader.enabled");
        }
    }
}
