/**
 * Spring Integration 7 over Redlock: {@link io.github.redlock.integration.RedlockLockRegistry}, a
 * {@code LockRegistry} whose locks need a quorum of independent Redis servers.
 */
@NullMarked
package io.github.redlock.integration;

import org.jspecify.annotations.NullMarked;
