package io.github.redlock.spring.support;

import java.lang.reflect.Method;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.core.KotlinDetector;

/**
 * A resource template that is one argument reference and nothing else ({@code #{#name}},
 * {@code #{#p0}}, {@code #{#a0}}), resolved to a parameter index once. For an argument whose text
 * SpEL's conversion to String gives by {@code toString()} (a String, a primitive wrapper), the key
 * is read directly; every other call is left to SpEL, so the key (or the error) is always SpEL's.
 */
final class ArgumentReference {

    // A SpEL identifier (letter, '_' or '$', then also digits); other spellings are left to SpEL.
    private static final Pattern VARIABLE_ONLY = Pattern.compile("#\\{#([A-Za-z_$][A-Za-z0-9_$]*)\\}");

    // Final classes that DefaultConversionService turns into a String with toString().
    private static final Set<Class<?>> TO_STRING_TYPES = Set.of(Boolean.class, Character.class, Byte.class,
            Short.class, Integer.class, Long.class, Float.class, Double.class);

    private final int index;
    private final int parameterCount;

    private ArgumentReference(int index, int parameterCount) {
        this.index = index;
        this.parameterCount = parameterCount;
    }

    /**
     * The argument {@code template} refers to, or {@code null} when the template is anything else,
     * names no parameter, or belongs to a Kotlin suspending function.
     *
     * @param parameterNames the names SpEL binds, from the same discoverer; null when not available
     */
    static @Nullable ArgumentReference of(String template, Method method, @Nullable String @Nullable [] parameterNames) {
        Matcher matcher = VARIABLE_ONLY.matcher(template);
        if (!matcher.matches() || KotlinDetector.isSuspendingFunction(method)) {
            return null;
        }
        String name = matcher.group(1);
        int count = method.getParameterCount();
        if (name.equals("root") || name.equals("this") || (parameterNames != null && parameterNames.length != count)) {
            return null;
        }
        // MethodBasedEvaluationContext binds aN, pN and the name for each index in turn: the last binding wins.
        int index = -1;
        for (int i = 0; i < count; i++) {
            if (name.equals("a" + i) || name.equals("p" + i) || (parameterNames != null && name.equals(parameterNames[i]))) {
                index = i;
            }
        }
        return index >= 0 ? new ArgumentReference(index, count) : null;
    }

    /**
     * The key SpEL would give for these arguments, or {@code null} when SpEL must evaluate them (a
     * null argument, an argument of another type, or an unexpected number of arguments).
     */
    @Nullable String key(@Nullable Object[] args) {
        if (args.length != parameterCount) {
            return null;
        }
        Object value = args[index];
        if (value instanceof String text) {
            return text;
        }
        return value != null && TO_STRING_TYPES.contains(value.getClass()) ? value.toString() : null;
    }
}
