package io.github.redlock.docs;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * The {@code java} code blocks of one page, compiled as written against this module's class
 * path. All blocks of a page share one package, so a block may use a type another block of the
 * same page declares; two blocks of one page must not declare the same type. A block with import
 * lines compiles with exactly those; a block without any gets {@link #IMPLICIT_IMPORTS}. Top-level
 * types lose their {@code public} modifier (a block may declare several) and a {@code package}
 * line is replaced by the page's. Nothing else is changed.
 */
final class PageExamples {

    /** What a block without imports may use without importing it. Keep it to the project's API and the JDK. */
    static final List<String> IMPLICIT_IMPORTS = List.of(
            "io.github.redlock.*",
            "io.github.redlock.spring.*",
            "io.github.redlock.spring.boot.autoconfigure.*",
            "io.github.redlock.spring.observation.*",
            "io.micrometer.common.*",
            "java.nio.file.*",
            "java.time.*",
            "java.util.*",
            "java.util.concurrent.*",
            "java.util.function.*",
            "java.util.stream.*",
            "org.springframework.beans.factory.annotation.*",
            "org.springframework.boot.*",
            "org.springframework.boot.autoconfigure.*",
            "org.springframework.context.annotation.*",
            "org.springframework.scheduling.annotation.*",
            "org.springframework.stereotype.*",
            "org.springframework.transaction.annotation.*",
            "reactor.core.publisher.*");

    private static final Pattern TOP_LEVEL_TYPE = Pattern.compile(
            "(?m)^((?:public\\s+)?)((?:(?:final|abstract|sealed|non-sealed|static)\\s+)*(?:class|record|interface|enum|@interface)\\s+(\\w+))");
    private static final Pattern PACKAGE = Pattern.compile("(?m)^package\\s+[\\w.]+;");
    private static final Pattern IMPORT = Pattern.compile("(?m)^import\\s");

    /** One block: where it starts on its page, its code, the types it declares at top level. */
    record Example(Page page, int firstLine, String code, List<String> types) {

        String at() {
            return page.at(firstLine - 1);
        }
    }

    /** The outcome of compiling a page: the package its examples are in and a loader for their classes. */
    record Compiled(List<Example> examples, String packageName, ClassLoader loader) {

        Class<?> type(String simpleName) {
            try {
                return Class.forName(packageName + "." + simpleName, false, loader);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private PageExamples() {
    }

    static List<Example> of(Page page) {
        List<Example> examples = new ArrayList<>();
        for (Markdown.CodeBlock block : Markdown.codeBlocks(page)) {
            if (block.language().equals("java")) {
                List<String> types = new ArrayList<>();
                Matcher type = TOP_LEVEL_TYPE.matcher(block.code());
                while (type.find()) {
                    types.add(type.group(3));
                }
                examples.add(new Example(page, block.firstLine(), block.code(), types));
            }
        }
        return examples;
    }

    static String packageName(Page page) {
        return "docs." + page.name().replaceFirst("\\.md$", "").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    }

    /**
     * Compiles the page's examples into {@code dir} with {@code -Xlint:all -Werror}, except the
     * auxiliary-class warning: a block may use a type another block of the page declares.
     *
     * @throws AssertionError naming the page line of every error, when any block does not compile
     */
    static Compiled compile(Page page, Path dir) {
        List<Example> examples = of(page);
        String packageName = packageName(page);
        try {
            Path sources = Files.createDirectories(dir.resolve("src"));
            Path classes = Files.createDirectories(dir.resolve("classes"));
            Map<String, Example> byFile = new HashMap<>();
            List<Path> files = new ArrayList<>();
            for (int i = 0; i < examples.size(); i++) {
                Example example = examples.get(i);
                Path file = sources.resolve("Example" + (i + 1) + ".java");
                Files.writeString(file, source(example, packageName));
                byFile.put(file.toAbsolutePath().toString(), example);
                files.add(file);
            }
            if (!files.isEmpty()) {
                javac(files, classes, byFile);
            }
            URL[] urls = {classes.toUri().toURL()};
            return new Compiled(examples, packageName, new URLClassLoader(urls, PageExamples.class.getClassLoader()));
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The block as a compilation unit whose line 2 is the block's first line. */
    static String source(Example example, String packageName) {
        String code = PACKAGE.matcher(example.code()).replaceAll("");
        code = TOP_LEVEL_TYPE.matcher(code).replaceAll("$2");
        StringBuilder first = new StringBuilder("package ").append(packageName).append(';');
        if (!IMPORT.matcher(code).find()) {
            IMPLICIT_IMPORTS.forEach(name -> first.append(" import ").append(name).append(';'));
        }
        return first.append('\n').append(code).toString();
    }

    private static void javac(List<Path> files, Path classes, Map<String, Example> byFile) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StringWriter output = new StringWriter();
        try (StandardJavaFileManager fileManager = compiler.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            List<String> options = List.of("-d", classes.toString(), "-classpath", System.getProperty("java.class.path"),
                    "-proc:none", "-parameters", "-Xlint:all,-path,-processing,-serial,-auxiliaryclass", "-Werror");
            Boolean ok = compiler.getTask(output, fileManager, diagnostics, options, null,
                    fileManager.getJavaFileObjectsFromPaths(files)).call();
            if (Boolean.TRUE.equals(ok)) {
                return;
            }
        }
        StringBuilder message = new StringBuilder("Java examples that do not compile as written:\n");
        for (Diagnostic<? extends JavaFileObject> diagnostic : diagnostics.getDiagnostics()) {
            JavaFileObject source = diagnostic.getSource();
            Example example = source == null ? null : byFile.get(Path.of(source.toUri()).toAbsolutePath().toString());
            String where = example == null ? "javac" : example.page().at(example.firstLine() + (int) diagnostic.getLineNumber() - 2);
            message.append("  ").append(where).append(": ").append(diagnostic.getKind().toString().toLowerCase(Locale.ROOT))
                    .append(": ").append(diagnostic.getMessage(Locale.ROOT)).append('\n');
        }
        message.append(output);
        throw new AssertionError(message.toString());
    }
}
