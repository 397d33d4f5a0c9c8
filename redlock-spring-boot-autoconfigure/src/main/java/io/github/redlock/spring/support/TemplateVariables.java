package io.github.redlock.spring.support;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.expression.Expression;
import org.springframework.expression.common.CompositeStringExpression;
import org.springframework.expression.spel.SpelNode;
import org.springframework.expression.spel.ast.VariableReference;
import org.springframework.expression.spel.standard.SpelExpression;

/**
 * The {@code #name} variables a resource template refers to, checked once at startup against the
 * names the call's evaluation binds: the method's parameter names, the positional aliases
 * {@code #a0}/{@code #p0}, and {@code #root}/{@code #this}. A name that none of them binds would
 * evaluate to null on every call, so every call would lock the same wrong key.
 */
final class TemplateVariables {

    private TemplateVariables() {
    }

    /**
     * The problem with {@code expression}'s variables, or null when every one is bound.
     *
     * @param parameterNames the names the evaluation binds; null when the compiler kept none
     */
    static @Nullable String problem(Expression expression, Method method, @Nullable String @Nullable [] parameterNames) {
        List<String> names = new ArrayList<>();
        if (parameterNames != null) {
            for (String name : parameterNames) {
                if (name != null) {
                    names.add(name);
                }
            }
        }
        for (String variable : variables(expression)) {
            if (bound(variable, method.getParameterCount(), names)) {
                continue;
            }
            String known = names.isEmpty() ? "no parameter names (compile with -parameters, as Boot's build plugins do,"
                    + " or refer to arguments by position: #p0, #p1, ...)" : "parameters: " + String.join(", ", names);
            String closest = closest(variable, names);
            return "the resource refers to #" + variable + ", which no parameter of the method binds (" + known + "), so"
                    + " every call would lock the same key" + (closest != null ? ". Did you mean #" + closest + "?"
                            : ". Refer to a parameter by its name or position.");
        }
        return null;
    }

    private static boolean bound(String variable, int parameterCount, List<String> names) {
        if (variable.equals("root") || variable.equals("this") || names.contains(variable)) {
            return true;
        }
        for (int i = 0; i < parameterCount; i++) {
            if (variable.equals("a" + i) || variable.equals("p" + i)) {
                return true;
            }
        }
        return false;
    }

    /** The parameter name closest to {@code variable}: one containing the other, or at most two edits apart. */
    private static @Nullable String closest(String variable, List<String> names) {
        String wanted = variable.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String name : names) {
            String candidate = name.toLowerCase(Locale.ROOT);
            int distance = distance(wanted, candidate);
            boolean close = distance <= 2 || wanted.contains(candidate) || candidate.contains(wanted);
            if (close && distance < bestDistance) {
                best = name;
                bestDistance = distance;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** The variable names referred to, in order, without duplicates. */
    static Set<String> variables(Expression expression) {
        Set<String> variables = new LinkedHashSet<>();
        for (Expression part : parts(expression)) {
            if (part instanceof SpelExpression spel) {
                collect(spel.getAST(), variables);
            }
        }
        return variables;
    }

    /** The parts of a template: its literal text and expressions, or the expression itself. */
    static List<Expression> parts(Expression expression) {
        return expression instanceof CompositeStringExpression composite ? List.of(composite.getExpressions())
                : List.of(expression);
    }

    private static void collect(SpelNode node, Set<String> variables) {
        if (node instanceof VariableReference) {
            String text = node.toStringAST();
            if (text.startsWith("#")) {
                variables.add(text.substring(1));
            }
        }
        for (int i = 0; i < node.getChildCount(); i++) {
            collect(node.getChild(i), variables);
        }
    }
}
