/**
 * A ShedLock {@link net.javacrumbs.shedlock.core.LockProvider} on the Redlock quorum:
 * {@link io.github.redlock.shedlock.RedlockLockProvider}.
 */
@NullMarked
package io.github.redlock.shedlock;

import org.jspecify.annotations.NullMarked;
