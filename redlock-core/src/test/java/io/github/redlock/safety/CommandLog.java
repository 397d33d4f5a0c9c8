package io.github.redlock.safety;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;

/**
 * Records, through {@code MONITOR} on a direct connection to one redis-server, every command it runs
 * that mentions {@code needle} (a key prefix): which value set or deleted a key left behind, on which
 * connection (the client address of each line). Diagnostics only; closed with {@link #close()}.
 */
final class CommandLog implements AutoCloseable {

    /** A script's text in a MONITOR line (the scripts hold no double quote). */
    private static final Pattern SCRIPT = Pattern.compile("\"EVAL\" \"([^\"]{0,40})[^\"]*\"");

    private final Socket socket;
    private final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
    private final Thread reader;

    private CommandLog(int port, String needle) throws IOException {
        this.socket = new Socket(InetAddress.getLoopbackAddress(), port);
        OutputStream out = socket.getOutputStream();
        out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        this.reader = new Thread(() -> {
            try {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.contains(needle)) {
                        lines.add(line);
                    }
                }
            } catch (IOException e) {
                // closed
            }
        }, "command-log-" + port);
        reader.setDaemon(true);
        reader.start();
    }

    static CommandLog start(int port, String needle) {
        try {
            return new CommandLog(port, needle);
        } catch (IOException e) {
            throw new IllegalStateException("could not MONITOR port " + port, e);
        }
    }

    /** The lines recorded so far that contain {@code text}, each script's text cut to its first 40 characters. */
    List<String> linesWith(String text) {
        return lines.stream().filter(line -> line.contains(text))
                .map(line -> SCRIPT.matcher(line).replaceAll("\"EVAL\" \"$1...\"")).toList();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
