package io.github.redlock.test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Builds the {@code redis-server} command line of a node, and a printable, masked form of it. */
final class RedisCommandLine {

    private static final Set<String> SECRET_OPTIONS = Set.of("--requirepass", "--masterauth");

    private RedisCommandLine() {
    }

    /**
     * {@code redis-server --bind 127.0.0.1 --port <port> --save '' --appendonly no --dir <dir>
     * --daemonize no --protected-mode no}, plus {@code --enable-debug-command local} on Redis 7+,
     * {@code --appendonly yes --appendfsync always} for the AOF option, {@code --requirepass}, and
     * finally the extra arguments.
     */
    static List<String> build(RedisServerBinary binary, int port, Path dir, RedisNodeOptions options) {
        List<String> command = new ArrayList<>();
        command.add(binary.path().toString());
        add(command, "--bind", Loopback.HOST);
        add(command, "--port", Integer.toString(port));
        add(command, "--save", "");
        if (options.appendOnly()) {
            add(command, "--appendonly", "yes");
            add(command, "--appendfsync", "always");
        } else {
            add(command, "--appendonly", "no");
        }
        add(command, "--dir", dir.toString());
        add(command, "--daemonize", "no");
        add(command, "--protected-mode", "no");
        if (binary.supportsEnableDebugCommand()) {
            add(command, "--enable-debug-command", "local");
        }
        String password = options.passwordOrNull();
        if (password != null) {
            add(command, "--requirepass", password);
        }
        command.addAll(options.extraArgs());
        return command;
    }

    /** The command line for messages: secrets replaced by {@code ****}, empty arguments as {@code ''}. */
    static String describe(List<String> command) {
        StringBuilder text = new StringBuilder();
        boolean secretNext = false;
        for (String arg : command) {
            if (text.length() > 0) {
                text.append(' ');
            }
            if (secretNext) {
                text.append("****");
            } else {
                text.append(arg.isEmpty() ? "''" : arg);
            }
            secretNext = SECRET_OPTIONS.contains(arg);
        }
        return text.toString();
    }

    private static void add(List<String> command, String option, String value) {
        command.add(option);
        command.add(value);
    }
}
