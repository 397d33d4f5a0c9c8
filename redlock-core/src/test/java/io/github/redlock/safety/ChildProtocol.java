package io.github.redlock.safety;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The child side of {@link ChildJvm}'s line protocol, shared by the child mains: arguments are
 * {@code key=value} options; the child prints {@code READY <pid>}, answers every {@code CLOCK} with
 * {@code CLOCK <System.nanoTime()>}, and runs its body on {@code GO} (it returns quietly when standard
 * input closes first). The body then exits with status 0; any failure prints {@code ERROR <message>}
 * and exits with status 1.
 */
final class ChildProtocol {

    /** What a child does after {@code GO}, with its options and the rest of its standard input. */
    @FunctionalInterface
    interface Body {
        void run(Map<String, String> options, BufferedReader in) throws Exception;
    }

    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    private ChildProtocol() {
    }

    /** The whole {@code main} of a child: options, the handshake, then {@code body}. */
    static void run(String[] args, Body body) {
        try {
            Map<String, String> options = options(args);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            say("READY " + ProcessHandle.current().pid());
            String line;
            while ((line = in.readLine()) != null && !line.equals("GO")) {
                if (line.equals("CLOCK")) {
                    say("CLOCK " + System.nanoTime());
                }
            }
            if (line == null) {
                return;
            }
            body.run(options, in);
            System.exit(0);
        } catch (Throwable e) {
            say("ERROR " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            options.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return options;
    }

    /** Prints one protocol line, whole, on standard output. */
    static synchronized void say(String line) {
        OUT.println(line);
    }

    /** Reads standard input up to the line {@code expected}, ignoring anything else. */
    static void awaitLine(BufferedReader in, String expected) throws IOException {
        String line;
        while ((line = in.readLine()) != null && !line.equals(expected)) {
            // ignore anything else
        }
        if (line == null) {
            throw new IllegalStateException("standard input closed before " + expected);
        }
    }
}
