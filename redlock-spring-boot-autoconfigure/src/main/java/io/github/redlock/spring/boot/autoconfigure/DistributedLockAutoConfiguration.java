package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.RedlockOptions;
import io.github.redlock.Redlock;
import io.github.redlock.RedlockListener;
import io.micrometer.observation.ObservationRegistry;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.support.DistributedLockAdvisor;
import io.github.redlock.spring.support.DistributedLockInterceptor;
import io.github.redlock.spring.support.DistributedLockOperationSource;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.config.AopConfigUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.util.function.SingletonSupplier;

/**
 * The {@link DistributedLock @DistributedLock} advice: an infrastructure advisor applied by the
 * context's auto-proxy creator (registered if the application has none).
 *
 * <p>The advice is installed even when no {@link Redlock} is configured: annotated methods are then
 * skipped (or throw, under THROW), never run without their lock. The Redlock bean, the
 * {@link RedlockListener}s (told of calls that never reach an engine) and the {@link ObservationRegistry}
 * are looked up on first use, so creating the advisor early does not create them early. The
 * {@code ttl} floor of annotated methods is checked against {@code redlock.drift-factor} as beans are
 * created, then against the Redlock bean's own drift factor once all singletons exist.
 */
@AutoConfiguration(after = RedlockAutoConfiguration.class)
@Import(DistributedLockAutoConfiguration.AutoProxyRegistrar.class)
public final class DistributedLockAutoConfiguration {

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    @ConditionalOnMissingBean
    static DistributedLockAdvisor distributedLockAdvisor(Environment environment, BeanFactory beanFactory,
            ObjectProvider<Redlock> redlock, ObjectProvider<RedlockListener> listeners,
            ObjectProvider<ObservationRegistry> observations) {
        // Bound here rather than injected: advisors are created while post-processors are still being
        // registered, and the properties bean should not be created that early.
        RedlockProperties properties = Binder.get(environment).bindOrCreate("redlock", RedlockProperties.class);
        RedlockPropertiesMapper.validateDefaultTtl(properties);
        DistributedLockOperationSource operations = new DistributedLockOperationSource(environment,
                RedlockOptions.minimumTtl(properties.getDriftFactor()));
        DistributedLockInterceptor interceptor = new DistributedLockInterceptor(operations, new RedlockLookup(redlock),
                () -> RedlockListener.composite(listeners.orderedStream().toList()),
                () -> observations.getIfAvailable(() -> ObservationRegistry.NOOP), properties.getDefaultTtl(), beanFactory);
        DistributedLockAdvisor advisor = new DistributedLockAdvisor(operations, interceptor);
        advisor.setOrder(properties.getAdvice().getOrder());
        return advisor;
    }

    /**
     * Checks the {@code @DistributedLock} TTLs against the Redlock bean's own drift factor once every
     * singleton exists. The advisor checks them earlier, as each bean is created, but against
     * {@code redlock.drift-factor}: an application-defined {@link Redlock} may use another, and the
     * advisor is created before it. A method whose {@code ttl} the bean could never grant stops the
     * startup, named; methods of beans created later (lazy ones) are checked when they are.
     */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static SmartInitializingSingleton distributedLockTtlFloorCheck(ObjectProvider<DistributedLockAdvisor> advisor,
            ObjectProvider<Redlock> redlock) {
        return () -> {
            DistributedLockAdvisor found = advisor.getIfUnique();
            Redlock engine = redlock.getIfUnique();
            if (found != null && engine != null) {
                found.operationSource().requireMinimumTtl(engine.options().minimumTtl());
            }
        };
    }

    /** Finds the Redlock bean on first use and keeps it; while there is none, looks again on each call. */
    private static final class RedlockLookup implements java.util.function.Supplier<@Nullable Redlock> {

        private final ObjectProvider<Redlock> provider;
        private volatile @Nullable Redlock redlock;

        RedlockLookup(ObjectProvider<Redlock> provider) {
            this.provider = provider;
        }

        @Override
        public @Nullable Redlock get() {
            Redlock found = redlock;
            if (found == null) {
                found = provider.getIfUnique();
                redlock = found;
            }
            return found;
        }
    }

    /**
     * Registers an auto-proxy creator unless the context has one (Boot's AOP auto-configuration
     * does). Ours proxies classes, as Boot's does by default: an interface-based proxy of a bean
     * that another post-processor already proxied (for example {@code @Async} ordered first) would
     * not be an instance of the bean's class.
     */
    static final class AutoProxyRegistrar implements ImportBeanDefinitionRegistrar {

        @Override
        public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
            BeanDefinition created = AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
            if (created != null) {
                created.getPropertyValues().add("proxyTargetClass", Boolean.TRUE);
            }
        }
    }
}
