package io.github.redlock.spring.support;

import io.github.redlock.RedlockOptions;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.InvalidDistributedLockException;
import io.github.redlock.spring.LockFailurePolicy;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.MethodClassKey;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.PropertyResolver;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.common.TemplateParserContext;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds {@link DistributedLock} on methods (on the class or on an interface it implements),
 * validates it, resolves {@code ${...}} placeholders and parses the {@code #{...}} template, once per
 * method and target class.
 *
 * <p>Invalid declarations throw {@link IllegalStateException} naming the method and the fix. The
 * pointcut calls {@link #hasLockedMethods(Class)} for every bean class when the bean is created, so
 * every annotated method of a bean is checked at startup, not on its first call.
 */
public final class DistributedLockOperationSource {

    private static final ParameterNameDiscoverer PARAMETER_NAMES = new DefaultParameterNameDiscoverer();

    private static final Object NONE = new Object();
    private static final TemplateParserContext TEMPLATE = new TemplateParserContext();

    private final PropertyResolver placeholders;
    private volatile Duration minimumTtl;
    private final SpelExpressionParser parser = new SpelExpressionParser();
    private final Map<MethodClassKey, Object> operations = new ConcurrentHashMap<>();
    private final Map<Class<?>, Boolean> classes = new ConcurrentHashMap<>();

    /** @param placeholders resolves {@code ${...}} in resources (the Environment) */
    public DistributedLockOperationSource(PropertyResolver placeholders) {
        this(placeholders, RedlockOptions.minimumTtl(RedlockOptions.DEFAULT_DRIFT_FACTOR));
    }

    /**
     * @param placeholders resolves {@code ${...}} in resources (the Environment)
     * @param minimumTtl the shortest {@code ttl} a method may declare: what the engine's drift factor
     *        leaves any validity of ({@link RedlockOptions#minimumTtl(double)})
     */
    public DistributedLockOperationSource(PropertyResolver placeholders, Duration minimumTtl) {
        this.placeholders = placeholders;
        this.minimumTtl = minimumTtl;
    }

    /**
     * Raises the shortest {@code ttl} a method may declare to {@code engineMinimumTtl} (the engine's
     * {@link RedlockOptions#minimumTtl()}, known only once the Redlock bean exists) when it is
     * longer, and checks every method validated so far against it; methods validated later are
     * checked as they are found.
     *
     * @throws IllegalStateException naming the first method whose {@code ttl} is shorter
     */
    public void requireMinimumTtl(Duration engineMinimumTtl) {
        if (engineMinimumTtl.compareTo(minimumTtl) <= 0) {
            return;
        }
        minimumTtl = engineMinimumTtl;
        for (Object cached : operations.values()) {
            if (cached instanceof LockOperation operation && operation.ttl() != null
                    && operation.ttl().compareTo(engineMinimumTtl) < 0) {
                throw ttlBelowFloor(operation.method(), operation.ttl().toMillis() + " ms");
            }
        }
    }

    /**
     * Whether {@code type} has {@code @DistributedLock} methods; validates all of them.
     *
     * @throws IllegalStateException naming the first invalid declaration
     */
    public boolean hasLockedMethods(Class<?> type) {
        Class<?> userClass = ClassUtils.getUserClass(type);
        Boolean known = classes.get(userClass);
        if (known != null) {
            return known;
        }
        boolean[] found = {false};
        ReflectionUtils.doWithMethods(userClass, method -> {
            if (operation(method, userClass) != null) {
                found[0] = true;
            }
        }, method -> !method.isBridge() && !method.isSynthetic() && method.getDeclaringClass() != Object.class);
        classes.put(userClass, found[0]);
        return found[0];
    }

    /**
     * The operation for calls of {@code method} on {@code targetClass}, or {@code null} when the
     * method is not annotated.
     *
     * @throws IllegalStateException when the annotation is invalid
     */
    public @Nullable LockOperation operation(Method method, @Nullable Class<?> targetClass) {
        MethodClassKey key = new MethodClassKey(method, targetClass);
        Object cached = operations.get(key);
        if (cached == null) {
            LockOperation operation = find(method, targetClass);
            cached = operation != null ? operation : NONE;
            operations.put(key, cached);
        }
        return cached == NONE ? null : (LockOperation) cached;
    }

    private @Nullable LockOperation find(Method method, @Nullable Class<?> targetClass) {
        Class<?> userClass = targetClass != null ? ClassUtils.getUserClass(targetClass) : method.getDeclaringClass();
        Method specific = BridgeMethodResolver.findBridgedMethod(AopUtils.getMostSpecificMethod(method, userClass));
        DistributedLock annotation = AnnotatedElementUtils.findMergedAnnotation(specific, DistributedLock.class);
        if (annotation == null && specific != method) {
            annotation = AnnotatedElementUtils.findMergedAnnotation(method, DistributedLock.class);
        }
        return annotation != null ? build(specific, userClass, annotation) : null;
    }

    private LockOperation build(Method method, Class<?> targetClass, DistributedLock lock) {
        int modifiers = method.getModifiers();
        if (Modifier.isStatic(modifiers)) {
            throw invalid(method, "the method is static, so no proxy can intercept it. Make it an instance method of a Spring bean.");
        }
        if (Modifier.isPrivate(modifiers)) {
            throw invalid(method, "the method is private, so no proxy can intercept it. Make it public (or at least"
                    + " package-private) and call it through the bean, not from the same object.");
        }
        if (Modifier.isFinal(modifiers) && !implementsInterfaceMethod(method, targetClass)) {
            throw invalid(method, "the method is final, so a class-based proxy cannot intercept it. Remove 'final'"
                    + " (in Kotlin: make the method and class 'open', or use the kotlin-spring plugin).");
        }
        String resource = lock.resource();
        if (resource.isBlank()) {
            throw invalid(method, "the resource is blank. Name the resource to lock, for example"
                    + " @DistributedLock(resource = \"nightly-report\") or resource = \"invoice:#{#invoice.id}\".");
        }
        String resolved;
        try {
            resolved = placeholders.resolveRequiredPlaceholders(resource);
        } catch (IllegalArgumentException e) {
            throw invalid(method, "the resource '" + resource + "' has a placeholder that cannot be resolved ("
                    + e.getMessage() + "). Define the property, or give a default: ${name:default}.");
        }
        Expression expression = null;
        if (resolved.contains(TEMPLATE.getExpressionPrefix())) {
            try {
                expression = parser.parseExpression(resolved, TEMPLATE);
            } catch (ParseException | IllegalStateException e) {
                throw invalid(method, "the resource '" + resource + "' is not a valid SpEL template: " + e.getMessage()
                        + ". Write expressions inside #{...}, for example \"invoice:#{#invoice.id}\".");
            }
            String problem = TemplateVariables.problem(expression, method, PARAMETER_NAMES.getParameterNames(method));
            if (problem != null) {
                throw invalid(method, problem);
            }
        } else if (resolved.isBlank()) {
            throw invalid(method, "the resource '" + resource + "' resolves to a blank name. Check the property it refers to.");
        }
        Duration ttl = duration(method, "ttl", lock.ttl(), lock);
        if (ttl != null && ttl.isZero()) {
            ttl = null;
        }
        if (ttl != null && ttl.compareTo(minimumTtl) < 0) {
            throw ttlBelowFloor(method, lock.ttl() + " " + lock.timeUnit());
        }
        Duration waitTime = duration(method, "waitTime", lock.waitTime(), lock);
        Duration minHoldTime = lock.minHoldTime() == DistributedLock.DEFAULT_HOLD ? null
                : duration(method, "minHoldTime", lock.minHoldTime(), lock);
        if (ttl != null && minHoldTime != null && minHoldTime.compareTo(ttl) > 0) {
            throw invalid(method, "minHoldTime (" + minHoldTime + ") exceeds ttl (" + ttl + "): the lock cannot be held"
                    + " longer than it lives. Shorten minHoldTime or lengthen ttl.");
        }
        Class<?> returnType = method.getReturnType();
        LockFailurePolicy policy = lock.onFailure();
        if (policy == LockFailurePolicy.SKIP && returnType.isPrimitive() && returnType != void.class) {
            throw invalid(method, "it returns the primitive type " + returnType.getName() + ", which has no value to return"
                    + " when the call is skipped. Return a wrapper type or Optional, or use onFailure = LockFailurePolicy.THROW.");
        }
        ResultType resultType = ResultType.of(method, problem -> invalid(method, problem));
        if (lock.releaseOnCancel() && resultType.kind() == ResultType.Kind.VALUE) {
            throw invalid(method, "releaseOnCancel is set, but the method returns " + returnType.getName()
                    + ", which cannot be cancelled: its lock always ends when it returns. Remove releaseOnCancel.");
        }
        if (lock.autoExtend() && ttl != null && ttl.toMillis() < 3) {
            throw invalid(method, "autoExtend needs a ttl of at least 3 ms (renewals every third of it), got "
                    + lock.ttl() + " " + lock.timeUnit() + ". Lengthen ttl or remove autoExtend.");
        }
        ScheduledHold schedule = ScheduledHold.of(method, placeholders, problem -> invalid(method, problem));
        return new LockOperation(method, targetClass, resource, resolved, expression, ttl, waitTime, minHoldTime, schedule,
                policy, lock.autoExtend(), lock.releaseOnCancel(), lock.fenced(), resultType);
    }

    private static Duration duration(Method method, String name, long value, DistributedLock lock) {
        if (value < 0) {
            throw invalid(method, name + " must not be negative, got " + value + ". Use a positive value"
                    + ("ttl".equals(name) ? ", or 0 for redlock.default-ttl."
                    : "minHoldTime".equals(name) ? ", 0 for none, or leave it out for the default." : ", or 0 for none."));
        }
        Duration duration;
        try {
            duration = Duration.of(value, lock.timeUnit().toChronoUnit());
        } catch (ArithmeticException e) {
            duration = null;
        }
        // Beyond 50 years nothing is meant literally, and nanosecond arithmetic would overflow.
        if (duration == null || duration.compareTo(MAX_DURATION) > 0) {
            throw invalid(method, name + " " + value + " " + lock.timeUnit() + " is too large: at most "
                    + MAX_DURATION.toDays() + " days. Give a bound you mean.");
        }
        return duration;
    }

    private static final Duration MAX_DURATION = Duration.ofDays(365L * 50);

    private static boolean implementsInterfaceMethod(Method method, Class<?> targetClass) {
        for (Class<?> type : ClassUtils.getAllInterfacesForClassAsSet(targetClass)) {
            if (ClassUtils.hasMethod(type, method.getName(), method.getParameterTypes())) {
                return true;
            }
        }
        return false;
    }

    private IllegalStateException ttlBelowFloor(Method method, String declared) {
        return invalid(method, "ttl must be at least " + minimumTtl.toMillis() + " ms (the clock-drift allowance,"
                + " 2 ms plus the Redlock's drift factor of the TTL, leaves nothing of a shorter one, so it could never"
                + " be granted), got " + declared + ". Use a longer ttl or a coarser timeUnit.");
    }

    private static IllegalStateException invalid(Method method, String problem) {
        return new InvalidDistributedLockException(LockOperation.describe(method), problem);
    }
}
