package io.github.redlock.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.RedlockConnectionException;
import io.github.redlock.spring.DistributedLock;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.stereotype.Component;

/**
 * Every {@code java} block of every page compiles as written ({@link PageExamples} says how), and
 * every block that declares Spring components starts: its classes, with the Redlock
 * auto-configuration, make an application context that refreshes, and every bean with a
 * {@code @DistributedLock} method is proxied. The README's {@code @SpringBootApplication} runs in
 * {@link QuickStartIntegrationTests}, against real Redis servers.
 */
class PageExamplesTests {

    /**
     * The servers the examples start with: nothing listens there, and startup does not wait for
     * them. An example that builds a {@code Redlock} of its own from the addresses it names counts as
     * started when it fails only because those servers cannot be reached.
     */
    static final String[] START_PROPERTIES = {"redlock.servers=redis://127.0.0.1:1",
            "redlock.require-quorum-on-startup=false", "redlock.connect-timeout=200ms"};

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([\\w.-]+)}");

    @TempDir
    static Path dir;

    @TestFactory
    Stream<DynamicTest> everyJavaBlockOfEveryPageCompilesAndItsSpringComponentsStart() {
        return Page.all().stream().filter(page -> !PageExamples.of(page).isEmpty())
                .map(page -> DynamicTest.dynamicTest(page.name(), () -> {
                    PageExamples.Compiled compiled = PageExamples.compile(page, Files.createTempDirectory(dir, "page"));
                    for (PageExamples.Example example : compiled.examples()) {
                        start(compiled, example);
                    }
                }));
    }

    @Test
    void thePagesHaveExamplesToCheck() {
        long blocks = Page.all().stream().mapToLong(page -> PageExamples.of(page).size()).sum();
        assertThat(blocks).as("java blocks found in README.md, CONTRIBUTING.md and docs/").isGreaterThanOrEqualTo(15);
    }

    @Test
    void aBlockThatDoesNotCompileIsReportedAtItsPageLine(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("broken.md");
        Files.writeString(file, "# Broken\n\nText.\n\n```java\nclass Broken {\n    int x = \"text\";\n}\n```\n");
        Page page = new Page(file, "docs/broken.md", List.of(Files.readString(file).split("\n", -1)));
        try {
            PageExamples.compile(page, tmp.resolve("out"));
        } catch (AssertionError e) {
            assertThat(e.getMessage()).contains("docs/broken.md:7: error: incompatible types");
            return;
        }
        throw new AssertionError("the broken block compiled");
    }

    private static void start(PageExamples.Compiled compiled, PageExamples.Example example) {
        List<Class<?>> components = new ArrayList<>();
        for (String name : example.types()) {
            Class<?> type = compiled.type(name);
            if (AnnotatedElementUtils.hasAnnotation(type, Component.class)
                    && !AnnotatedElementUtils.hasAnnotation(type, SpringBootApplication.class)) {
                components.add(type);
            }
        }
        if (components.isEmpty()) {
            return;
        }
        Set<String> properties = new LinkedHashSet<>(Arrays.asList(START_PROPERTIES));
        Matcher placeholder = PLACEHOLDER.matcher(example.code());
        while (placeholder.find()) {
            properties.add(placeholder.group(1) + "=example");
        }
        new ApplicationContextRunner().withClassLoader(compiled.loader())
                .withConfiguration(AutoConfigurations.of(redlockAutoConfigurations()))
                .withUserConfiguration(components.toArray(Class<?>[]::new))
                .withPropertyValues(properties.toArray(String[]::new))
                .run(context -> {
                    if (context.getStartupFailure() != null) {
                        Throwable cause = NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure());
                        assertThat(cause).as("%s: the Spring example does not start: %s", example.at(), cause)
                                .isInstanceOf(RedlockConnectionException.class);
                        return;
                    }
                    for (Class<?> component : components) {
                        if (hasLockedMethod(component)) {
                            assertThat(AopUtils.isAopProxy(context.getBean(component)))
                                    .as("%s: %s has @DistributedLock methods but is not proxied", example.at(), component.getSimpleName())
                                    .isTrue();
                        }
                    }
                });
    }

    private static Class<?>[] redlockAutoConfigurations() {
        List<String> names = ImportCandidates.load(org.springframework.boot.autoconfigure.AutoConfiguration.class,
                PageExamplesTests.class.getClassLoader()).getCandidates();
        // The Boot 3.5 module's auto-configurations name Boot 3.5 classes: inert on this class path, but
        // loading them as classes (as AutoConfigurations.of needs) fails here on Boot 4.
        return names.stream().filter(name -> name.startsWith("io.github.redlock.") && !name.contains(".boot3."))
                .map(name -> {
            try {
                return Class.forName(name);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }).toArray(Class<?>[]::new);
    }

    private static boolean hasLockedMethod(Class<?> type) {
        for (Method method : type.getDeclaredMethods()) {
            if (AnnotatedElementUtils.hasAnnotation(method, DistributedLock.class)) {
                return true;
            }
        }
        return false;
    }
}
