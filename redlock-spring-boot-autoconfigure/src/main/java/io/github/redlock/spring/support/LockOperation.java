package io.github.redlock.spring.support;

import io.github.redlock.spring.LockFailurePolicy;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.BeanResolver;
import org.springframework.expression.EvaluationException;
import org.springframework.expression.Expression;
import org.springframework.expression.PropertyAccessor;
import org.springframework.expression.spel.support.ReflectivePropertyAccessor;

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
    private final @Nullable Duration minHoldTime;
    private final @Nullable ScheduledHold schedule;
    private final LockFailurePolicy policy;
    private final boolean autoExtend;
    private final boolean releaseOnCancel;
    private final boolean fenced;
    private final ResultType resultType;
    private final @Nullable ArgumentReference argument;
    private final ParameterNameDiscoverer parameterNames;
    private final List<PropertyAccessor> propertyAccessors;

    LockOperation(Method method, Class<?> targetClass, String resource, String literal, @Nullable Expression expression,
            @Nullable Duration ttl, Duration waitTime, @Nullable Duration minHoldTime, @Nullable ScheduledHold schedule,
            LockFailurePolicy policy, boolean autoExtend, boolean releaseOnCancel, boolean fenced, ResultType resultType) {
        this.method = method;
        this.targetClass = targetClass;
        this.resource = resource;
        this.literal = literal;
        this.expression = expression;
        this.ttl = ttl;
        this.waitTime = waitTime;
        this.minHoldTime = minHoldTime;
        this.schedule = schedule;
        this.policy = policy;
        this.autoExtend = autoExtend;
        this.releaseOnCancel = releaseOnCancel;
        this.fenced = fenced;
        this.resultType = resultType;
        // A fixed key needs no parameter names: look them up only for templates.
        @Nullable String @Nullable [] names = expression != null ? PARAMETER_NAMES.getParameterNames(method) : null;
        this.parameterNames = new FixedParameterNames(names);
        this.argument = expression != null ? ArgumentReference.of(literal, method, names) : null;
        // One accessor for all calls, so that its cache of getters outlives one evaluation (by default
        // each new context creates its own accessor, which looks the getters up again on every call).
        this.propertyAccessors = expression != null ? List.of(new ReflectivePropertyAccessor()) : List.of();
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

    /** The minimum hold as written, or {@code null} when left to the default (see {@link #schedule()}). */
    public @Nullable Duration minHoldTime() {
        return minHoldTime;
    }

    /**
     * Whether the method is {@code @Scheduled}: each call is then a tick that at most one instance
     * runs, so an attempt refused by another holder is not retried (unless {@code waitTime} is set).
     */
    public boolean isScheduled() {
        return schedule != null;
    }

    /** The method's schedules, for its default minimum hold; null when it is not {@code @Scheduled}. */
    @Nullable ScheduledHold schedule() {
        return schedule;
    }

    public LockFailurePolicy policy() {
        return policy;
    }

    public boolean autoExtend() {
        return autoExtend;
    }

    /** Whether the lock must carry a fencing token ({@code fenced}): the method runs only once one was handed out. */
    public boolean fenced() {
        return fenced;
    }

    /** Whether a cancel releases the lock at once ({@code releaseOnCancel}); otherwise it is kept until it expires. */
    public boolean releaseOnCancel() {
        return releaseOnCancel;
    }

    /**
     * What a skipped call returns: {@code null}, {@code Optional.empty()}, a future completed with
     * {@code null}, or the reactive type's empty publisher.
     */
    public @Nullable Object skipValue() {
        return resultType.skipped();
    }

    /** How the advice follows the method's result to its end. */
    ResultType resultType() {
        return resultType;
    }

    /** Whether the resource is a template with SpEL expressions (otherwise the key is fixed). */
    public boolean isTemplate() {
        return expression != null;
    }

    /**
     * The key to lock for one call.
     *
     * @param beanResolver resolves {@code @bean} references in the template, or null
     * @throws IllegalArgumentException when the template cannot be evaluated or gives a blank key
     */
    public String resolveKey(@Nullable Object[] args, @Nullable Object target, @Nullable BeanResolver beanResolver) {
        if (expression == null) {
            return literal;
        }
        String key = argument != null ? argument.key(args) : null;
        if (key == null) {
            key = evaluate(expression, args, target, beanResolver);
        }
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("@DistributedLock on " + describe(method) + ": resource '" + resource
                    + "' evaluated to a blank key for this call, so no lock can be taken and the method was not run");
        }
        return key;
    }

    /**
     * Evaluates the template part by part, as SpEL's template evaluation does, except that a part
     * evaluating to null (a null argument, a missing property) fails the call instead of leaving that
     * part empty: {@code "order:#{#id}"} must never lock {@code "order:"} for every id.
     */
    private @Nullable String evaluate(Expression expression, @Nullable Object[] args, @Nullable Object target,
            @Nullable BeanResolver beanResolver) {
        LockExpressionRoot root = new LockExpressionRoot(method, args, target, targetClass);
        MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(root, method, args, parameterNames);
        context.setPropertyAccessors(propertyAccessors);
        if (beanResolver != null) {
            context.setBeanResolver(beanResolver);
        }
        StringBuilder key = new StringBuilder();
        for (Expression part : TemplateVariables.parts(expression)) {
            String value;
            try {
                value = part.getValue(context, String.class);
            } catch (EvaluationException e) {
                throw new IllegalArgumentException("@DistributedLock on " + describe(method) + ": resource '" + resource
                        + "' could not be evaluated for this call (" + e.getMessage() + "), so the method was not run", e);
            }
            if (value == null) {
                throw new IllegalArgumentException("@DistributedLock on " + describe(method) + ": resource '" + resource
                        + "': #{" + part.getExpressionString() + "} evaluated to null for this call, so no lock can be"
                        + " taken and the method was not run");
            }
            key.append(value);
        }
        return key.toString();
    }

    /** Whether the template is one argument reference, read without SpEL when it is a String or primitive wrapper. */
    boolean readsArgumentDirectly() {
        return argument != null;
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
                + ", minHoldTime=" + (minHoldTime != null ? minHoldTime : "default") + ", scheduled=" + isScheduled()
                + ", policy=" + policy + ", autoExtend=" + autoExtend + ", releaseOnCancel=" + releaseOnCancel + (fenced ? ", fenced" : "") + "]";
    }

    /** The names found once for the operation's method (the discoverer looks them up again on each call). */
    private static final class FixedParameterNames implements ParameterNameDiscoverer {

        private final @Nullable String @Nullable [] names;

        FixedParameterNames(@Nullable String @Nullable [] names) {
            this.names = names;
        }

        @Override
        public @Nullable String @Nullable [] getParameterNames(Method method) {
            return names;
        }

        @Override
        public @Nullable String @Nullable [] getParameterNames(Constructor<?> constructor) {
            return null;
        }
    }
}
