package io.github.redlock.spring.support;

import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;

/**
 * The root object of a {@code @DistributedLock} resource template: {@code #{methodName}},
 * {@code #{args[0]}}, {@code #{targetClass.simpleName}}. Arguments are also variables by name
 * ({@code #invoice}) and position ({@code #p0}, {@code #a0}).
 */
public final class LockExpressionRoot {

    private final Method method;
    private final @Nullable Object[] args;
    private final @Nullable Object target;
    private final Class<?> targetClass;

    LockExpressionRoot(Method method, @Nullable Object[] args, @Nullable Object target, Class<?> targetClass) {
        this.method = method;
        this.args = args;
        this.target = target;
        this.targetClass = targetClass;
    }

    public Method getMethod() {
        return method;
    }

    public String getMethodName() {
        return method.getName();
    }

    public @Nullable Object[] getArgs() {
        return args;
    }

    public @Nullable Object getTarget() {
        return target;
    }

    public Class<?> getTargetClass() {
        return targetClass;
    }
}
