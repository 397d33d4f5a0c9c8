package io.github.redlock.spring.support;

import java.lang.reflect.Method;
import org.springframework.aop.support.StaticMethodMatcherPointcut;

/**
 * Matches the {@code @DistributedLock} methods. Its class filter checks every annotated method of a
 * bean class when the bean is created, so invalid declarations stop the context at startup.
 */
final class DistributedLockPointcut extends StaticMethodMatcherPointcut {

    private final DistributedLockOperationSource operations;

    DistributedLockPointcut(DistributedLockOperationSource operations) {
        this.operations = operations;
        setClassFilter(operations::hasLockedMethods);
    }

    @Override
    public boolean matches(Method method, Class<?> targetClass) {
        return operations.operation(method, targetClass) != null;
    }
}
