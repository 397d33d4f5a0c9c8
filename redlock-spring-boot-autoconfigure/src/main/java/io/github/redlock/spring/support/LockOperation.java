package io.github.redlock.spring.support;

import io.github.redlock.spring.LockFailurePolicy;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.EvaluationException;
import org.springframework.expression.Expression;

/**
 * One {@code @DistributedLock} method, validated and with its resource template parsed: built once
 * per method by {@link DistributedLockOperationSource} and reused for every call.
 */
public final class LockOperation {

    private static final ParameterNameDiscoverer PARAMETER_NAMES = new DefaultParameterNameDiscoverer();

    private final Method method;
    private final Class<?> targetClass;
    private final String resource;
    private final String literal;
    private final @Nullable Expression expression;
    private final @Nullable Duration ttl;
    private final Duration waitTime;
    private final Duration minHoldTime;
    private final LockFailurePolicy policy;
    private final boolean autoExtend;
    private final @Nullable Object skipValue;

    LockOperation(Method method, Class<?> targetClass, String resource, String literal, @Nullable Expression expression,
            @Nullable Duration ttl, Duration waitTime, Duration minHoldTime, LockFailurePolicy policy, boolean autoExtend,
            @Nullable Object skipValue) {
        this.method = method;
        this.targetClass = targetClass;
        this.resource = resource;
        this.literal = literal;
        this.expression = expression;
        this.ttl = ttl;
        this.waitTime = waitTime;
        this.minHoldTime = minHoldTime;
        this.policy = policy;
        this.autoExtend = autoExtend;
        this.skipValue = skipValue;
    }

    /** The annotated method (the most specific one for the target class). */
    public Method method() {
        return method;
    }

    /** The {@code resource} attribute as written: the metrics tag. */
    public String resource() {
        return resource;
    }

    /** The TTL, or {@code null} for {@code redlock.default-ttl}. */
    public @Nullable Duration ttl() {
        return ttl;
    }

    public Duration waitTime() {
        return waitTime;
    }

    public Duration minHoldTime() {
        return minHoldTime;
    }

    public LockFailurePolicy policy() {
        return policy;
    }

    public boolean autoExtend() {
        return autoExtend;
    }

    /** What a skipped call returns: {@code null}, or {@code Optional.empty()}. */
    public @Nullable Object skipValue() {
        return skipValue;
    }

    /** Whether the resource is a template with SpEL expressions (otherwise the key is fixed). */
    public boolean isTemplate() {
        return expression != null;
    }

    /**
     * The key to lock for one call.
     *
     * @throws IllegalArgumentException when the template cannot be evaluated or gives a blank key
     */
    public String resolveKey(@Nullable Object[] args, @Nullable Object target, @Nullable BeanFactory beanFactory) {
        if (expression == null) {
            return literal;
        }
        LockExpressionRoot root = new LockExpressionRoot(method, args, target, targetClass);
        MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(root, method, args, PARAMETER_NAMES);
        if (beanFactory != null) {
            context.setBeanResolver(new BeanFactoryResolver(beanFactory));
        }
        String key;
        try {
            key = expression.getValue(context, String.class);
        } catch (EvaluationException e) {
            throw new IllegalArgumentException("@DistributedLock on " + describe(method) + ": resource '" + resource
                    + "' could not be evaluated for this call (" + e.getMessage() + "), so the method was not run", e);
        }
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("@DistributedLock on " + describe(method) + ": resource '" + resource
                    + "' evaluated to a blank key for this call, so no lock can be taken and the method was not run");
        }
        return key;
    }

    /** {@code SimpleClassName.method(ParamType, ...)}, for messages. */
    public String description() {
        return describe(method);
    }

    static String describe(Method method) {
        return method.getDeclaringClass().getName() + "." + method.getName() + "("
                + Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(", "))
                + ")";
    }

    @Override
    public String toString() {
        return "LockOperation[" + description() + ", resource=" + resource + ", ttl=" + ttl + ", waitTime=" + waitTime
                + ", minHoldTime=" + minHoldTime + ", policy=" + policy + ", autoExtend=" + autoExtend + "]";
    }
}
