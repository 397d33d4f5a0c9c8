package io.github.redlock.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One Markdown page of the project's documentation, as GitHub renders it: {@code README.md},
 * {@code CONTRIBUTING.md} and every {@code *.md} under {@code docs/}. Pages that other branches add
 * later are found the same way, so they pass through every check without being listed anywhere.
 */
record Page(Path file, String name, List<String> lines) {

    /** The repository's root, seen from this module's directory (Maven runs tests there). */
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    static List<Page> all() {
        List<Page> pages = new ArrayList<>();
        pages.add(read(ROOT.resolve("README.md")));
        pages.add(read(ROOT.resolve("CONTRIBUTING.md")));
        try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
            docs.filter(file -> file.toString().endsWith(".md")).sorted().forEach(file -> pages.add(read(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pages;
    }

    static Page named(String name) {
        return read(ROOT.resolve(name));
    }

    static Page read(Path file) {
        try {
            String name = ROOT.relativize(file.toAbsolutePath().normalize()).toString().replace('\\', '/');
            return new Page(file, name, List.of(Files.readString(file).split("\\R", -1)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String text() {
        return String.join("\n", lines);
    }

    /** Where a line is, as editors and the checks' messages write it: {@code docs/waiting.md:42}. */
    String at(int line) {
        return name + ":" + line;
    }

    @Override
    public String toString() {
        return name;
    }
}
