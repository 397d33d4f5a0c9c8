/**
 * Observability for Redlock: the {@code redlock} health indicator, the read-only {@code redlock}
 * Actuator endpoint, and the Micrometer meters of {@code @DistributedLock} methods.
 */
@NullMarked
package io.github.redlock.spring.boot.actuate;

import org.jspecify.annotations.NullMarked;
