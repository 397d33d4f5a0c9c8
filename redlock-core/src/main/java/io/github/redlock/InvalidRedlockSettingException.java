package io.github.redlock;

import java.util.OptionalInt;

/**
 * A setting of {@link RedlockOptions} has an invalid value. Thrown by {@code build()} before anything
 * is sent to Redis; for {@code servers}, also by {@link Redlock.Builder#build()} after connecting, when
 * two entries turn out to be the same Redis server under different addresses (the later entry's
 * index, both entries named in the message). The message reads {@code setting[: index]: reason}, for example
 * {@code servers[2]: Redis server redis://10.0.0.3:6379 is listed twice; ...}; it never contains a
 * password. Frameworks translate {@link #setting()} and {@link #serverIndex()} into their own
 * property names (the Spring Boot starter reports {@code redlock.servers[2]}).
 */
public class InvalidRedlockSettingException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String setting;
    private final int serverIndex;
    private final String reason;

    InvalidRedlockSettingException(String setting, String reason) {
        this(setting, -1, reason);
    }

    InvalidRedlockSettingException(String setting, int serverIndex, String reason) {
        super(setting + (serverIndex >= 0 ? "[" + serverIndex + "]" : "") + ": " + reason);
        this.setting = setting;
        this.serverIndex = serverIndex;
        this.reason = reason;
    }

    /** The setting's name as in {@link RedlockOptions.Settings}, for example {@code retryCount} or {@code servers}. */
    public String setting() {
        return setting;
    }

    /** For {@code servers}: the position of the offending entry in the list; empty for the list as a whole and other settings. */
    public OptionalInt serverIndex() {
        return serverIndex >= 0 ? OptionalInt.of(serverIndex) : OptionalInt.empty();
    }

    /** What is wrong with the value, for example {@code must be at least 0, got -1}. */
    public String reason() {
        return reason;
    }
}
