/**
 * Micrometer Observations of lock acquisitions and of the held sections of locked calls
 * ({@code @DistributedLock} methods, {@code Redlock.execute}): names, key values and replaceable
 * conventions, all created by one {@link io.github.redlock.RedlockListener}.
 */
@NullMarked
package io.github.redlock.spring.observation;

import org.jspecify.annotations.NullMarked;
