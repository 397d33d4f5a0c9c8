package io.github.redlock.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every relative link of every page leads somewhere: to a file or folder of the repository, and,
 * with a {@code #fragment}, to a heading or {@code <a id>} of that page (GitHub's anchor rules,
 * see {@link Markdown#anchors}). Links to other sites are not followed.
 */
class LinksTests {

    private static final Pattern EXTERNAL = Pattern.compile("^(?:[a-z][a-z0-9+.-]*:|//).*", Pattern.CASE_INSENSITIVE);
    private static final Pattern LINE_ANCHOR = Pattern.compile("L\\d+(?:-L\\d+)?");

    @Test
    void everyLinkBetweenPagesAndToAnchorsResolves() {
        List<String> broken = new ArrayList<>();
        for (Page page : Page.all()) {
            broken.addAll(brokenLinks(page));
        }
        assertThat(broken).as("broken links (fix the link, or the heading it points to)").isEmpty();
    }

    @Test
    void theLandingPageLinksEveryPageUnderDocs() {
        String readme = Page.named("README.md").text();
        List<String> unlinked = Page.all().stream().map(Page::name).filter(name -> name.startsWith("docs/"))
                .filter(name -> !readme.contains("(" + name + ")") && !readme.contains("(" + name + "#")).toList();
        assertThat(unlinked).as("pages under docs/ that README.md does not link: add them to its contents").isEmpty();
    }

    @Test
    void aBrokenAnchorIsReportedAtItsLine(@TempDir Path tmp) throws IOException {
        Files.createDirectories(tmp.resolve("docs"));
        Path file = tmp.resolve("docs/a.md");
        Files.writeString(file, "# A page\n\n## `@DistributedLock` attributes\n\nSee [x](#distributedlock-attributes),\n"
                + "[y](#attributes) and [z](missing.md).\n");
        Page page = new Page(file, "docs/a.md", List.of(Files.readString(file).split("\n", -1)));
        assertThat(brokenLinks(page)).containsExactly(
                "docs/a.md:6: [#attributes]: no heading of docs/a.md has that anchor; its anchors: [a-page, distributedlock-attributes]",
                "docs/a.md:6: [missing.md]: no such file docs/missing.md");
    }

    static List<String> brokenLinks(Page page) {
        List<String> broken = new ArrayList<>();
        Path folder = page.file().toAbsolutePath().normalize().getParent();
        for (Markdown.Link link : Markdown.links(page)) {
            String target = link.target();
            if (target.isEmpty() || EXTERNAL.matcher(target).matches()) {
                continue;
            }
            int hash = target.indexOf('#');
            String path = hash < 0 ? target : target.substring(0, hash);
            String anchor = hash < 0 ? null : target.substring(hash + 1);
            Path file = path.isEmpty() ? page.file().toAbsolutePath().normalize() : folder.resolve(path).normalize();
            String where = page.at(link.line()) + ": [" + target + "]: ";
            Path root = page.file().toAbsolutePath().normalize().getParent();
            while (root != null && !Files.exists(root.resolve("docs")) && !Files.exists(root.resolve("pom.xml"))) {
                root = root.getParent();
            }
            String shown = root == null ? file.toString() : root.relativize(file).toString().replace('\\', '/');
            if (!Files.exists(file)) {
                broken.add(where + "no such file " + shown);
            } else if (anchor != null && file.toString().endsWith(".md")) {
                Page linked = file.equals(page.file().toAbsolutePath().normalize()) ? page : Page.read(file);
                if (!Markdown.anchors(linked).contains(anchor)) {
                    broken.add(where + "no heading of " + (path.isEmpty() ? page.name() : shown) + " has that anchor; its anchors: "
                            + Markdown.anchors(linked));
                }
            } else if (anchor != null && !LINE_ANCHOR.matcher(anchor).matches()) {
                broken.add(where + "only Markdown pages have heading anchors; a code file takes #L12 or #L12-L20");
            }
        }
        return broken;
    }
}
