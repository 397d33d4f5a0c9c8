package io.github.redlock.spring.boot.autoconfigure;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;

/** Says once at startup, at INFO, that no Redlock was created and why. */
final class RedlockNotConfiguredReport implements SmartInitializingSingleton {

    private static final Log LOG = LogFactory.getLog(RedlockAutoConfiguration.class);

    private final boolean disabled;

    RedlockNotConfiguredReport(boolean disabled) {
        this.disabled = disabled;
    }

    @Override
    public void afterSingletonsInstantiated() {
        LOG.info(message());
    }

    String message() {
        String consequence = " @DistributedLock methods, if any, are skipped (or throw, under THROW) and never run without"
                + " their lock.";
        return disabled
                ? "Redlock is disabled (redlock.enabled=false): no Redlock bean is created." + consequence
                : "Redlock is not configured: neither redlock.servers nor a Spring Data Redis connection is set, so no"
                        + " Redlock bean is created. List your independent Redis masters in redlock.servers to use"
                        + " distributed locks." + consequence;
    }
}
