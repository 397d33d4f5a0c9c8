package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.RedlockConnectionException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

/** Explains startup failures caused by Redlock's configuration or unreachable servers. */
final class RedlockFailureAnalyzer implements FailureAnalyzer {

    @Override
    public @Nullable FailureAnalysis analyze(Throwable failure) {
        InvalidRedlockPropertyException invalid = find(failure, InvalidRedlockPropertyException.class);
        if (invalid != null) {
            return new FailureAnalysis(invalid.getMessage(), "Correct the value of " + invalid.getProperty()
                    + " in the application's configuration (application.yml or .properties, or the environment).", invalid);
        }
        RedlockConnectionException connection = find(failure, RedlockConnectionException.class);
        if (connection != null) {
            return new FailureAnalysis(connection.getMessage(), "Start the Redis servers that could not be reached, or"
                    + " correct redlock.servers. To start without them (locks fail until a quorum is reachable), set"
                    + " redlock.require-quorum-on-startup=false.", connection);
        }
        return null;
    }

    private static <T extends Throwable> @Nullable T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
