package io.github.redlock.test;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Encodes commands and decodes replies of the RESP2 protocol.
 *
 * <p>Replies decode to {@link String} (simple and bulk strings, as UTF-8), {@link Long}
 * (integers), {@code null} (null bulk string or null array) and unmodifiable {@link List}s of
 * these. An error reply anywhere in the reply makes {@link #read} throw
 * {@link RedisReplyException}, after the whole reply has been consumed.
 */
final class Resp {

    private static final int MAX_LINE = 64 * 1024;
    private static final int MAX_DEPTH = 32;

    private Resp() {
    }

    /** The RESP encoding of a command: an array of bulk strings (UTF-8). */
    static byte[] encode(String... args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("A command needs at least its name");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeAscii(out, "*" + args.length + "\r\n");
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            writeAscii(out, "$" + bytes.length + "\r\n");
            out.write(bytes, 0, bytes.length);
            writeAscii(out, "\r\n");
        }
        return out.toByteArray();
    }

    /**
     * Reads one complete reply.
     *
     * @param command the command's name, for the exception message of an error reply
     * @throws RedisReplyException if the reply is, or contains, an error
     * @throws EOFException if the stream ends before the reply is complete
     * @throws ProtocolException if the bytes are not RESP2
     */
    static @Nullable Object read(InputStream in, String command) throws IOException {
        Object reply = readValue(in, 0);
        String error = firstError(reply);
        if (error != null) {
            throw new RedisReplyException(command, error);
        }
        return reply;
    }

    private static @Nullable Object readValue(InputStream in, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new ProtocolException("RESP reply nested deeper than " + MAX_DEPTH);
        }
        int type = in.read();
        if (type < 0) {
            throw new EOFException("Connection closed before a reply was received");
        }
        String line = readLine(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                return new ErrorReply(line);
            case ':':
                return parseLong(line);
            case '$':
                return readBulk(in, parseLong(line));
            case '*':
                return readArray(in, parseLong(line), depth);
            default:
                throw new ProtocolException("Not a RESP2 reply type: '" + (char) type + "' followed by " + line);
        }
    }

    private static @Nullable String readBulk(InputStream in, long length) throws IOException {
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > Integer.MAX_VALUE - 2) {
            throw new ProtocolException("Bad bulk string length " + length);
        }
        byte[] bytes = in.readNBytes((int) length);
        if (bytes.length < length) {
            throw new EOFException("Connection closed inside a bulk string");
        }
        expectCrlf(in);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static @Nullable List<@Nullable Object> readArray(InputStream in, long length, int depth)
            throws IOException {
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > Integer.MAX_VALUE) {
            throw new ProtocolException("Bad array length " + length);
        }
        List<@Nullable Object> elements = new ArrayList<>((int) Math.min(length, 1024));
        for (long i = 0; i < length; i++) {
            elements.add(readValue(in, depth + 1));
        }
        return Collections.unmodifiableList(elements);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("Connection closed inside a reply line");
            }
            if (b == '\r') {
                int next = in.read();
                if (next != '\n') {
                    throw new ProtocolException("Expected LF after CR in a reply line");
                }
                return line.toString(StandardCharsets.UTF_8);
            }
            if (line.size() >= MAX_LINE) {
                throw new ProtocolException("Reply line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
    }

    private static void expectCrlf(InputStream in) throws IOException {
        int cr = in.read();
        int lf = in.read();
        if (cr < 0 || lf < 0) {
            throw new EOFException("Connection closed inside a bulk string");
        }
        if (cr != '\r' || lf != '\n') {
            throw new ProtocolException("Bulk string not terminated by CRLF");
        }
    }

    private static long parseLong(String line) throws ProtocolException {
        try {
            return Long.parseLong(line);
        } catch (NumberFormatException e) {
            throw new ProtocolException("Not an integer in a RESP reply: " + line);
        }
    }

    private static @Nullable String firstError(@Nullable Object reply) {
        if (reply instanceof ErrorReply) {
            return ((ErrorReply) reply).message;
        }
        if (reply instanceof List) {
            for (Object element : (List<?>) reply) {
                String error = firstError(element);
                if (error != null) {
                    return error;
                }
            }
        }
        return null;
    }

    private static void writeAscii(ByteArrayOutputStream out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        out.write(bytes, 0, bytes.length);
    }

    /** An error reply while it is being decoded; never returned to callers. */
    private static final class ErrorReply {
        final String message;

        ErrorReply(String message) {
            this.message = message;
        }
    }
}
