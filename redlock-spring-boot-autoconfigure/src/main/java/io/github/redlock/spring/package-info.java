/**
 * Spring integration of Redlock: the {@link io.github.redlock.spring.DistributedLock} annotation and
 * its {@link io.github.redlock.spring.LockFailurePolicy}.
 */
@NullMarked
package io.github.redlock.spring;

import org.jspecify.annotations.NullMarked;
