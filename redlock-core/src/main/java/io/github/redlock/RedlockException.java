package io.github.redlock;

/** Base class of the exceptions this library throws for lock and connection failures. */
public class RedlockException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public RedlockException(String message) {
        super(message);
    }
}
