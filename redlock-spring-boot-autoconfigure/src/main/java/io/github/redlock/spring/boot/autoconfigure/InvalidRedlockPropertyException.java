package io.github.redlock.spring.boot.autoconfigure;

/**
 * A {@code redlock.*} property has an invalid value. The message names the property and what is
 * wrong; it never contains a password.
 */
public class InvalidRedlockPropertyException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String property;
    private final String reason;

    public InvalidRedlockPropertyException(String property, String reason) {
        super("Invalid Redlock configuration: " + property + ": " + reason);
        this.property = property;
        this.reason = reason;
    }

    /** The property's name, for example {@code redlock.servers[1]}. */
    public String getProperty() {
        return property;
    }

    /** What is wrong with its value. */
    public String getReason() {
        return reason;
    }
}
