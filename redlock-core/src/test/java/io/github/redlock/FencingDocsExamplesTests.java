package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every core-only Java example in docs/fencing.md compiles against this module as it is. */
class FencingDocsExamplesTests {

    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS_NAME = Pattern.compile("(?m)^public (?:final )?(?:class|record|interface) (\\w+)");

    @Test
    void coreExamplesCompile(@TempDir Path dir) throws IOException {
        String page = Files.readString(Path.of("..", "docs", "fencing.md"));
        List<String> files = new ArrayList<>();
        Matcher block = JAVA_BLOCK.matcher(page);
        while (block.find()) {
            String source = block.group(1);
            if (source.contains("import io.github.redlock.Redlock;") && !source.contains("org.springframework")) {
                Matcher name = CLASS_NAME.matcher(source);
                assertThat(name.find()).as("example declares a public class:%n%s", source).isTrue();
                Path file = dir.resolve(name.group(1) + ".java");
                Files.writeString(file, source);
                files.add(file.toString());
            }
        }
        assertThat(files).as("core examples found in docs/fencing.md").isNotEmpty();

        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of("-d", dir.resolve("classes").toString(),
                "-classpath", System.getProperty("java.class.path"), "-Xlint:all,-path", "-Werror"));
        args.addAll(files);
        int status = compiler.run(null, errors, errors, args.toArray(String[]::new));
        assertThat(status).as("javac output: %s", errors.toString(StandardCharsets.UTF_8)).isZero();
    }
}
