/**
 * The machinery behind {@link io.github.redlock.spring.DistributedLock}: a Spring AOP advisor and
 * method interceptor, the per-method operation cache with its SpEL resource templates, lease
 * renewal, and the listener SPI that metrics plug into.
 */
@NullMarked
package io.github.redlock.spring.support;

import org.jspecify.annotations.NullMarked;
