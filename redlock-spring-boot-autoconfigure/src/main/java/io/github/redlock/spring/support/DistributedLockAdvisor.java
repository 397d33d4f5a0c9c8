package io.github.redlock.spring.support;

import org.aopalliance.aop.Advice;
import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.core.Ordered;

/**
 * The Spring AOP advisor that applies {@link DistributedLockInterceptor} to
 * {@code @DistributedLock} methods; picked up by the context's auto-proxy creator, like the advisor
 * behind {@code @Transactional}.
 *
 * <p>Its {@linkplain #getOrder() order} defaults to {@link #DEFAULT_ORDER}, a higher precedence than
 * {@code @Transactional} and {@code @Cacheable} (whose advisors default to
 * {@link Ordered#LOWEST_PRECEDENCE}): the lock is taken before the transaction begins and released
 * after it has committed, so the next holder sees the committed data.
 */
public final class DistributedLockAdvisor extends AbstractPointcutAdvisor {

    private static final long serialVersionUID = 1L;

    /** {@code Ordered.LOWEST_PRECEDENCE - 100}: runs outside {@code @Transactional} with its default order. */
    public static final int DEFAULT_ORDER = Ordered.LOWEST_PRECEDENCE - 100;

    private final transient DistributedLockOperationSource operations;
    private final transient DistributedLockPointcut pointcut;
    private final transient DistributedLockInterceptor interceptor;

    public DistributedLockAdvisor(DistributedLockOperationSource operations, DistributedLockInterceptor interceptor) {
        this.operations = operations;
        this.pointcut = new DistributedLockPointcut(operations);
        this.interceptor = interceptor;
        setOrder(DEFAULT_ORDER);
    }

    /** The annotated methods this advisor applies to, as found and validated. */
    public DistributedLockOperationSource operationSource() {
        return operations;
    }

    @Override
    public Pointcut getPointcut() {
        return pointcut;
    }

    @Override
    public Advice getAdvice() {
        return interceptor;
    }
}
