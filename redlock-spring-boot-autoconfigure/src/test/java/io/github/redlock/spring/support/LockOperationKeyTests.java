package io.github.redlock.spring.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.spring.DistributedLock;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.expression.EvaluationException;
import org.springframework.expression.common.TemplateParserContext;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.util.ReflectionUtils;

/**
 * The key of every call is the one a plain SpEL evaluation of the template gives (or the same
 * error), whether the operation reads the argument directly or evaluates SpEL.
 */
class LockOperationKeyTests {

    private final DistributedLockOperationSource source = new DistributedLockOperationSource(new MockEnvironment());
    private final Keys target = new Keys();

    enum Kind {
        DAILY {
            @Override
            public String toString() {
                return "the daily kind";
            }
        }
    }

    record Tenant(String name) {
    }

    /** A type SpEL cannot convert to String (it has no String constructor or valueOf). */
    static final class Custom {
        @Override
        public String toString() {
            return "custom";
        }
    }

    static class Keys {

        @DistributedLock(resource = "#{#name}")
        public void byName(String name) {
        }

        @DistributedLock(resource = "#{#p0}")
        public void byP0(String name) {
        }

        @DistributedLock(resource = "#{#a1}")
        public void byA1(String first, String second) {
        }

        @DistributedLock(resource = "#{#p0}")
        public void shadowed(String first, String p0) {
        }

        @DistributedLock(resource = "report:#{#region}")
        public void withLiteral(String region) {
        }

        @DistributedLock(resource = "#{#p0}:#{#name}")
        public void beanReferenceOrNull(String name) {
        }

        @DistributedLock(resource = "#{#count}")
        public void primitive(int count) {
        }

        @DistributedLock(resource = "#{#value}")
        public void anything(Object value) {
        }

        @DistributedLock(resource = "#{#text}")
        public void charSequence(CharSequence text) {
        }

        @DistributedLock(resource = "#{@tenant.name}:#{#name}")
        public void beanReference(String name) {
        }
    }

    @Test
    void argumentReferencesAreReadDirectly() {
        assertThat(operation("byName", String.class).readsArgumentDirectly()).isTrue();
        assertThat(operation("byP0", String.class).readsArgumentDirectly()).isTrue();
        assertThat(operation("byA1", String.class, String.class).readsArgumentDirectly()).isTrue();
        assertThat(operation("primitive", int.class).readsArgumentDirectly()).isTrue();
    }

    @Test
    void nameAndPositionalAliasesGiveTheSpelKey() {
        assertSameAsSpel(operation("byName", String.class), "invoice-42");
        assertSameAsSpel(operation("byP0", String.class), "invoice-42");
        assertSameAsSpel(operation("byA1", String.class, String.class), "first", "second");
        assertThat(operation("byA1", String.class, String.class).resolveKey(new Object[] {"first", "second"}, target, null))
                .isEqualTo("second");
    }

    @Test
    void laterParameterNamedLikeAnAliasWinsAsInSpel() {
        LockOperation operation = operation("shadowed", String.class, String.class);
        assertSameAsSpel(operation, "first", "second");
        assertThat(operation.resolveKey(new Object[] {"first", "second"}, target, null)).isEqualTo("second");
    }

    @Test
    void emptyAndBlankArgumentsFailWithTheSpelMessageAndNullNamesItsPart() {
        LockOperation operation = operation("byName", String.class);
        for (String blank : Arrays.asList("", " ", "\t")) {
            assertThat(outcome(operation, blank)).startsWith("error: ").contains("evaluated to a blank key");
            assertSameAsSpel(operation, blank);
        }
        assertThat(outcome(operation, (Object) null)).startsWith("error: ").contains("#{#name} evaluated to null");
    }

    @Test
    void nonStringArgumentsConvertAsSpelDoes() {
        LockOperation operation = operation("anything", Object.class);
        for (Object value : List.of(42, -7L, (short) 3, (byte) 1, 1.5d, 1.0e10d, Float.NaN, true, 'x', Kind.DAILY,
                new Custom(), new StringBuilder("built"), new Tenant("acme"))) {
            assertSameAsSpel(operation, value);
        }
        assertSameAsSpel(operation("primitive", int.class), 42);
        assertSameAsSpel(operation("charSequence", CharSequence.class), new StringBuilder("built"));
    }

    @Test
    void onlyStringsAndPrimitiveWrappersAreReadWithoutSpel() {
        Method method = method("anything", Object.class);
        ArgumentReference reference = ArgumentReference.of("#{#value}", method, new String[] {"value"});
        assertThat(reference).isNotNull();
        assertThat(reference.key(new Object[] {"text"})).isEqualTo("text");
        assertThat(reference.key(new Object[] {42})).isEqualTo("42");
        assertThat(reference.key(new Object[] {'x'})).isEqualTo("x");
        for (Object value : Arrays.asList(null, Kind.DAILY, new Custom(), new StringBuilder("built"))) {
            assertThat(reference.key(new Object[] {value})).as("%s", value).isNull();
        }
        assertThat(reference.key(new Object[0])).isNull();
    }

    @Test
    void templatesOtherThanOneArgumentReferenceAreLeftToSpel() {
        assertThat(ArgumentReference.of("#{#root}", method("anything", Object.class), new String[] {"root"})).isNull();
        assertThat(ArgumentReference.of("#{ #value}", method("anything", Object.class), new String[] {"value"})).isNull();
        assertThat(operation("withLiteral", String.class).readsArgumentDirectly()).isFalse();
    }

    @Test
    void aPartOfATemplateThatEvaluatesToNullFailsTheCall() {
        LockOperation operation = operation("withLiteral", String.class);

        assertThat(outcome(operation, (Object) null)).startsWith("error: ").contains("withLiteral(String)")
                .contains("'report:#{#region}'").contains("#{#region} evaluated to null");
        assertThat(outcome(operation("beanReferenceOrNull", String.class), (Object) null)).startsWith("error: ")
                .contains("evaluated to null");
    }

    @Test
    void templateWithLiteralTextGivesTheSpelKey() {
        LockOperation operation = operation("withLiteral", String.class);
        for (Object region : Arrays.asList("eu", " ")) {
            assertSameAsSpel(operation, region);
        }
        assertThat(operation.resolveKey(new Object[] {"eu"}, target, null)).isEqualTo("report:eu");
    }

    @Test
    void missingArgumentsFailTheCall() {
        LockOperation operation = operation("byName", String.class);
        assertThat(outcome(operation)).startsWith("error: ").contains("evaluated to null");
    }

    @Test
    void beanReferencesResolveThroughTheGivenResolver() {
        DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
        beans.registerSingleton("tenant", new Tenant("acme"));
        LockOperation operation = operation("beanReference", String.class);
        assertThat(operation.resolveKey(new Object[] {"daily"}, target, new BeanFactoryResolver(beans)))
                .isEqualTo("acme:daily");
    }

    private void assertSameAsSpel(LockOperation operation, @Nullable Object... args) {
        assertThat(outcome(operation, args)).as("key for %s", Arrays.toString(args)).isEqualTo(spel(operation, args));
    }

    private String outcome(LockOperation operation, @Nullable Object... args) {
        try {
            return "key: " + operation.resolveKey(args, target, null);
        } catch (IllegalArgumentException e) {
            return "error: " + e.getMessage();
        }
    }

    /** What resolving the key gave before the direct path: always a SpEL evaluation, same messages. */
    private String spel(LockOperation operation, @Nullable Object... args) {
        Method method = operation.method();
        String where = "@DistributedLock on " + LockOperation.describe(method) + ": resource '" + operation.resource() + "'";
        MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(
                new LockExpressionRoot(method, args, target, Keys.class), method, args, new DefaultParameterNameDiscoverer());
        String key;
        try {
            key = new SpelExpressionParser().parseExpression(operation.resource(), new TemplateParserContext())
                    .getValue(context, String.class);
        } catch (EvaluationException e) {
            return "error: " + where + " could not be evaluated for this call (" + e.getMessage()
                    + "), so the method was not run";
        }
        if (key == null || key.isBlank()) {
            return "error: " + where
                    + " evaluated to a blank key for this call, so no lock can be taken and the method was not run";
        }
        return "key: " + key;
    }

    private LockOperation operation(String name, Class<?>... parameterTypes) {
        LockOperation operation = source.operation(method(name, parameterTypes), Keys.class);
        assertThat(operation).isNotNull();
        return operation;
    }

    private static Method method(String name, Class<?>... parameterTypes) {
        Method method = ReflectionUtils.findMethod(Keys.class, name, parameterTypes);
        assertThat(method).isNotNull();
        return method;
    }
}
