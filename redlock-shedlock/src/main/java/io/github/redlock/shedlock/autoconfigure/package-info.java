/**
 * Spring Boot auto-configuration of the ShedLock provider: a
 * {@link io.github.redlock.shedlock.RedlockLockProvider} bean when ShedLock is on the class path,
 * one Redlock is configured, and the application defines no {@code LockProvider} of its own.
 */
@NullMarked
package io.github.redlock.shedlock.autoconfigure;

import org.jspecify.annotations.NullMarked;
