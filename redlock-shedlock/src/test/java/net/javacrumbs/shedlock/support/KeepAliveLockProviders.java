package net.javacrumbs.shedlock.support;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;

/**
 * ShedLock's {@link KeepAliveLockProvider} with a shorter minimum {@code lockAtMostFor} than its
 * public 30 s, through its package-private constructor (ShedLock's own tests use it too), so that a
 * test sees several extensions within seconds.
 */
public final class KeepAliveLockProviders {

    private KeepAliveLockProviders() {
    }

    public static KeepAliveLockProvider withMinimalLockAtMostFor(ExtensibleLockProvider wrapped,
            ScheduledExecutorService executor, Duration minimalLockAtMostFor) {
        return new KeepAliveLockProvider(wrapped, executor, minimalLockAtMostFor);
    }
}
