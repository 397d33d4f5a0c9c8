package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.Redlock;
import io.github.redlock.spring.InvalidDistributedLockException;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.NoUniqueBeanDefinitionException;
import org.springframework.core.Ordered;
import io.github.redlock.RedlockConnectionException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

/**
 * Explains startup failures caused by Redlock's configuration, unreachable servers, an invalid
 * {@code @DistributedLock}, or a component that needs a {@link Redlock} when none is configured.
 * Ordered first, so that Boot's generic "required a bean ... that could not be found" does not
 * hide which property is missing.
 */
final class RedlockFailureAnalyzer implements FailureAnalyzer, Ordered {

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public @Nullable FailureAnalysis analyze(Throwable failure) {
        InvalidDistributedLockException annotation = find(failure, InvalidDistributedLockException.class);
        if (annotation != null) {
            return new FailureAnalysis("The @DistributedLock annotation on " + annotation.method() + " cannot work: "
                    + annotation.problem(), "Correct the annotation on " + annotation.method() + " as described above.",
                    annotation);
        }
        NoSuchBeanDefinitionException missing = find(failure, NoSuchBeanDefinitionException.class);
        if (missing != null && missing.getBeanType() == Redlock.class && !(missing instanceof NoUniqueBeanDefinitionException)) {
            return new FailureAnalysis("A component needs a Redlock bean, but no Redlock is configured: "
                    + RedlockServersCondition.SERVERS + " lists no servers, redlock.enabled is false, or the Redlock"
                    + " auto-configuration is excluded (and the application defines no Redlock bean of its own).", "Set "
                    + RedlockServersCondition.SERVERS
                    + " to the URIs of independent Redis servers, at least three for fault tolerance, for example "
                    + RedlockServersCondition.SERVERS + "=redis://10.0.0.1:6379,redis://10.0.0.2:6379,redis://10.0.0.3:6379;"
                    + " or define a Redlock bean.", missing);
        }
        InvalidRedlockPropertyException invalid = find(failure, InvalidRedlockPropertyException.class);
        if (invalid != null) {
            return new FailureAnalysis(invalid.getMessage(), "Correct the value of " + invalid.getProperty()
                    + " in the application's configuration (application.yml or .properties, or the environment).", invalid);
        }
        RedlockConnectionException connection = find(failure, RedlockConnectionException.class);
        if (connection != null) {
            return new FailureAnalysis(connection.getMessage(), connection.fix() + " The servers are "
                    + RedlockServersCondition.SERVERS + "; to start without a quorum (locks fail until one is reachable),"
                    + " set redlock.require-quorum-on-startup=false.", connection);
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
