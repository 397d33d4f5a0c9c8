package io.github.redlock.test;

/**
 * Redis answered a command with an error reply (a RESP {@code -} line such as
 * {@code -ERR unknown command} or {@code -NOAUTH Authentication required.}).
 *
 * <p>The message names the command (its first word only, never its arguments, so that
 * passwords are not leaked) and the error text sent by the server.
 */
public final class RedisReplyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The command's name, first word only. */
    private final String command;
    /** The error line as sent by Redis. */
    private final String error;

    /**
     * @param command the command's name, for example {@code SET}
     * @param error the error line sent by the server, without the leading {@code -}
     */
    public RedisReplyException(String command, String error) {
        super("Redis replied to " + command + " with an error: " + error);
        this.command = command;
        this.error = error;
    }

    /** The name of the command that failed (first word only), for example {@code SET}. */
    public String command() {
        return command;
    }

    /** The error text as sent by Redis, for example {@code ERR unknown command 'FOO'...}. */
    public String error() {
        return error;
    }

    /** The error's prefix, for example {@code ERR}, {@code NOAUTH}, {@code WRONGPASS}, {@code LOADING}. */
    public String code() {
        int space = error.indexOf(' ');
        return space < 0 ? error : error.substring(0, space);
    }
}
