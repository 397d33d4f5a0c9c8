/**
 * Spring Boot auto-configuration for Redlock: {@code redlock.*} properties, the engine, the
 * {@code @DistributedLock} advice, Micrometer meters, and the Actuator health indicator and endpoint.
 */
@NullMarked
package io.github.redlock.spring.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
