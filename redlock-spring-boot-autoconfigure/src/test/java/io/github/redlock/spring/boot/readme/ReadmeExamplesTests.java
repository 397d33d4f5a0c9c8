package io.github.redlock.spring.boot.readme;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Redlock;
import io.github.redlock.spring.boot.autoconfigure.DistributedLockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The README's Spring examples are the code of {@link ReadmeExamples} (so they compile), its
 * annotated beans pass the startup checks and are proxied, and its customizer applies.
 */
class ReadmeExamplesTests {

    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    @Test
    void everySpringExampleInTheReadmeIsCompiledHere() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        List<String> compiled = normalized(Files.readString(
                Path.of("src/test/java/io/github/redlock/spring/boot/readme/ReadmeExamples.java")));
        Matcher block = JAVA_BLOCK.matcher(readme);
        int checked = 0;
        while (block.find()) {
            String example = block.group(1);
            if (example.contains("import ")) {
                continue; // a complete file: the core example, compiled by redlock-core's ReadmeExamplesTests
            }
            assertThat(Collections.indexOfSubList(compiled, normalized(example)))
                    .as("README example not found in ReadmeExamples.java (keep both in step):%n%s", example)
                    .isNotNegative();
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(5);
    }

    /** Lines without indentation or blank lines; nested classes there are static, top-level ones here are not. */
    private static List<String> normalized(String code) {
        List<String> lines = new ArrayList<>();
        for (String line : code.split("\\R")) {
            String trimmed = line.strip().replace("public static class ", "public class ");
            if (!trimmed.isEmpty()) {
                lines.add(trimmed);
            }
        }
        return lines;
    }

    @Test
    void annotatedExamplesStartAndAreProxied() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RedlockAutoConfiguration.class, DistributedLockAutoConfiguration.class))
                .withBean(ReadmeExamples.NightlyReport.class).withBean(ReadmeExamples.InvoiceService.class)
                .withBean(ReadmeExamples.ExportService.class).withBean(ReadmeExamples.StockService.class)
                .withBean(ReadmeExamples.Cleanup.class).withBean(ReadmeExamples.CacheSweep.class)
                .withBean(ReadmeExamples.ExportJobs.class).withUserConfiguration(ReadmeExamples.LockConfiguration.class)
                .withPropertyValues("redlock.servers=redis://127.0.0.1:1", "redlock.require-quorum-on-startup=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(AopUtils.isAopProxy(context.getBean(ReadmeExamples.InvoiceService.class))).isTrue();
                    assertThat(AopUtils.isAopProxy(context.getBean(ReadmeExamples.StockService.class))).isTrue();
                    assertThat(AopUtils.isAopProxy(context.getBean(ReadmeExamples.CacheSweep.class))).isTrue();
                    assertThat(AopUtils.isAopProxy(context.getBean(ReadmeExamples.ExportJobs.class))).isTrue();
                    assertThat(context.getBean(Redlock.class).options().keyPrefix()).isEqualTo("orders:locks:");
                });
    }
}
