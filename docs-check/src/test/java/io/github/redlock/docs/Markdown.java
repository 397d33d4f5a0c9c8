package io.github.redlock.docs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The parts of GitHub-flavoured Markdown the checks read: fenced code blocks, headings, links. */
final class Markdown {

    private static final Pattern FENCE = Pattern.compile("^(\\s*)(`{3,}|~{3,})\\s*([^`\\s]*)?.*$");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)(?:\\s+#+)?\\s*$");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(.+?)\\1");
    private static final Pattern INLINE_LINK = Pattern.compile("!?\\[((?:[^\\[\\]]|\\[[^\\]]*\\])*)\\]\\(\\s*<?([^)\\s>]*)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern REFERENCE_DEFINITION = Pattern.compile("^ {0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:name|id)=\"([^\"]+)\"");
    private static final Pattern HTML_HREF = Pattern.compile("<a\\s[^>]*href=\"([^\"]+)\"");
    private static final Pattern NOT_IN_SLUG = Pattern.compile("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]");

    private Markdown() {
    }

    /** A fenced code block: its info string's first word, the page line of its first code line, its code. */
    record CodeBlock(String language, int firstLine, String code) {
    }

    /** A link's target as written, and the page line it is on. */
    record Link(String target, int line) {
    }

    static List<CodeBlock> codeBlocks(Page page) {
        List<CodeBlock> blocks = new ArrayList<>();
        List<String> lines = page.lines();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = FENCE.matcher(lines.get(i));
            if (!open.matches()) {
                continue;
            }
            int indent = open.group(1).length();
            String fence = open.group(2);
            String language = open.group(3) == null ? "" : open.group(3);
            StringBuilder code = new StringBuilder();
            int j = i + 1;
            for (; j < lines.size() && !closes(lines.get(j), fence); j++) {
                code.append(unindent(lines.get(j), indent)).append('\n');
            }
            blocks.add(new CodeBlock(language, i + 2, code.toString()));
            i = j;
        }
        return blocks;
    }

    /** The page's lines with every fenced block's lines blanked, so line numbers stay those of the page. */
    static List<String> prose(Page page) {
        List<String> lines = new ArrayList<>(page.lines());
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = FENCE.matcher(lines.get(i));
            if (!open.matches()) {
                continue;
            }
            String fence = open.group(2);
            int j = i;
            do {
                lines.set(j, "");
                j++;
            } while (j < lines.size() && !closes(lines.get(j), fence));
            if (j < lines.size()) {
                lines.set(j, "");
            }
            i = j;
        }
        return lines;
    }

    /** The links of the page's prose (not of its code): inline, reference definitions and HTML hrefs. */
    static List<Link> links(Page page) {
        List<Link> links = new ArrayList<>();
        List<String> prose = prose(page);
        for (int i = 0; i < prose.size(); i++) {
            String line = CODE_SPAN.matcher(prose.get(i)).replaceAll("code");
            for (Pattern pattern : List.of(INLINE_LINK, HTML_HREF)) {
                Matcher link = pattern.matcher(line);
                while (link.find()) {
                    links.add(new Link(link.group(pattern == INLINE_LINK ? 2 : 1), i + 1));
                }
            }
            Matcher definition = REFERENCE_DEFINITION.matcher(line);
            if (definition.matches()) {
                links.add(new Link(definition.group(1), i + 1));
            }
        }
        return links;
    }

    /**
     * The anchors GitHub gives the page: one per heading, after github-slugger (the rendered
     * text, lower-cased, punctuation removed, each space a hyphen; a repeated slug gets
     * {@code -1}, {@code -2}...), and every {@code <a id>} or {@code <a name>}.
     */
    static Set<String> anchors(Page page) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : prose(page)) {
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                String slug = slug(heading.group(2));
                int count = seen.merge(slug, 1, Integer::sum);
                anchors.add(count == 1 ? slug : slug + "-" + (count - 1));
            }
            Matcher html = HTML_ANCHOR.matcher(line);
            while (html.find()) {
                anchors.add(html.group(1));
            }
        }
        return anchors;
    }

    /** The anchor GitHub makes of a heading written as {@code markdown}. */
    static String slug(String markdown) {
        String text = CODE_SPAN.matcher(markdown).replaceAll("$2");
        text = INLINE_LINK.matcher(text).replaceAll("$1");
        text = text.replaceAll("<[^>]+>", "").replace("*", "");
        text = NOT_IN_SLUG.matcher(text.toLowerCase(Locale.ROOT)).replaceAll("");
        return text.replace(' ', '-');
    }

    private static boolean closes(String line, String fence) {
        String stripped = line.strip();
        return stripped.length() >= fence.length() && stripped.chars().allMatch(c -> c == fence.charAt(0));
    }

    private static String unindent(String line, int indent) {
        int strip = 0;
        while (strip < indent && strip < line.length() && line.charAt(strip) == ' ') {
            strip++;
        }
        return line.substring(strip);
    }
}
