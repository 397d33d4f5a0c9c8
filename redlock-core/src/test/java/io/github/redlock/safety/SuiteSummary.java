package io.github.redlock.safety;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The summary writer of a suite of scenarios ({@link SafetySummary}, {@link FencingSummary}): the
 * scenarios recorded in this JVM, each printed as one {@code [tag]} line when recorded, and all of
 * them as one table, once, when the whole test plan has finished (the JUnit root context closes),
 * also written to {@code target/<file>}. A table that cannot be written is only reported.
 *
 * @param <S> one scenario's figures
 */
final class SuiteSummary<S> {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SuiteSummary.class);

    private final String tag;
    private final String heading;
    private final String file;
    private final Comparator<S> order;
    private final Function<List<S>, String> table;
    private final ConcurrentLinkedQueue<S> scenarios = new ConcurrentLinkedQueue<>();

    /**
     * @param tag the prefix of every printed line, in brackets
     * @param heading printed above the table
     * @param file the table's file name under {@code target/}
     * @param order the scenarios' order in the table
     * @param table renders the table of the scenarios, in that order
     */
    SuiteSummary(String tag, String heading, String file, Comparator<S> order, Function<List<S>, String> table) {
        this.tag = tag;
        this.heading = heading;
        this.file = file;
        this.order = order;
        this.table = table;
    }

    /** Makes the table print when the test plan ends; call it from each test class's {@code beforeAll}. */
    void printWhenThePlanEnds(ExtensionContext context) {
        context.getRoot().getStore(NAMESPACE).computeIfAbsent(tag, key -> new Printer(), Printer.class);
    }

    /** Records one scenario and prints its {@code line}. */
    void add(S scenario, String line) {
        scenarios.add(scenario);
        System.out.println("[" + tag + "] " + line);
    }

    /** Prints the table when the root context closes, that is after the last test of the plan. */
    private final class Printer implements AutoCloseable {
        @Override
        public void close() {
            List<S> recorded = new ArrayList<>(scenarios);
            if (recorded.isEmpty()) {
                return;
            }
            recorded.sort(order);
            String text = table.apply(recorded);
            System.out.println("\n[" + tag + "] " + heading + "\n" + text);
            try {
                Path target = Path.of("target");
                if (Files.isDirectory(target)) {
                    Files.writeString(target.resolve(file), text, StandardCharsets.UTF_8);
                }
            } catch (IOException e) {
                System.out.println("[" + tag + "] could not write target/" + file + ": " + e);
            }
        }
    }
}
