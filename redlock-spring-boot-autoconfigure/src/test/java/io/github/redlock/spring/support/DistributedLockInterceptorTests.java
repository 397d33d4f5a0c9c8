package io.github.redlock.spring.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import io.github.redlock.LockNotAcquiredException;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.LockFailurePolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.mock.env.MockEnvironment;

/** The interceptor without an engine: the key it would lock is the one the exception names. */
class DistributedLockInterceptorTests {

    record Tenant(String name) {
    }

    public static class Jobs {

        @DistributedLock(resource = "#{@tenant.name}:#{#id}", onFailure = LockFailurePolicy.THROW)
        public void run(String id) {
        }
    }

    @Test
    void beanReferencesInTemplatesResolveAgainstTheBeanFactory() {
        DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
        beans.registerSingleton("tenant", new Tenant("acme"));
        DistributedLockInterceptor interceptor = new DistributedLockInterceptor(
                new DistributedLockOperationSource(new MockEnvironment()), () -> null,
                () -> DistributedLockListener.composite(List.of()), Duration.ofSeconds(10), beans);
        ProxyFactory factory = new ProxyFactory(new Jobs());
        factory.setProxyTargetClass(true);
        factory.addAdvice(interceptor);
        Jobs jobs = (Jobs) factory.getProxy();
        assertThatExceptionOfType(LockNotAcquiredException.class).isThrownBy(() -> jobs.run("7"))
                .satisfies(e -> assertThat(e.resource()).isEqualTo("acme:7"));
    }
}
