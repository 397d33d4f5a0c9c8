package io.github.redlock.integration.boot;

import io.github.redlock.Redlock;
import io.github.redlock.integration.RedlockLockRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.integration.support.locks.DistributedLock;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * Spring Integration over the {@link Redlock} bean, on Spring Boot 4 with Spring Integration 7
 * (it backs off where {@code DistributedLock}, new in Spring Integration 7, is missing, as on Boot 3.5):
 * <ul>
 *   <li>a {@link RedlockLockRegistry} ({@code redlock.lock-registry.*}), unless the application has a
 *       {@link LockRegistry} of its own;</li>
 *   <li>with {@code redlock.leader.roles} set, {@link RedlockLeaderInitiators}: leader election per
 *       role over its own registry with the leader TTL ({@code redlock.leader.*}), publishing Spring
 *       Integration's leader events;</li>
 * </ul>
 * {@link RedlockLeaderHealthAutoConfiguration} adds the health detail of the roles led.
 */
@AutoConfiguration(afterName = "io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration")
@ConditionalOnClass({ DistributedLock.class, Redlock.class })
@ConditionalOnSingleCandidate(Redlock.class)
@EnableConfigurationProperties({ RedlockLockRegistryProperties.class, RedlockLeaderProperties.class })
public final class RedlockIntegrationAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(LockRegistry.class)
    RedlockLockRegistry redlockLockRegistry(Redlock redlock, RedlockLockRegistryProperties properties) {
        RedlockLockRegistry registry = new RedlockLockRegistry(redlock, properties.getTtl());
        registry.setCacheCapacity(properties.getCacheCapacity());
        return registry;
    }

    @Bean
    @ConditionalOnMissingBean
    @Conditional(LeaderRolesCondition.class)
    RedlockLeaderInitiators redlockLeaderInitiators(Redlock redlock, RedlockLeaderProperties properties) {
        // Its own registry: the leader TTL is not the TTL of the application's locks.
        return new RedlockLeaderInitiators(new RedlockLockRegistry(redlock, properties.getTtl()), properties.getRoles(), properties.getHeartbeat(), properties.getBusyWait(),
                properties.isPublishFailedEvents());
    }
}
