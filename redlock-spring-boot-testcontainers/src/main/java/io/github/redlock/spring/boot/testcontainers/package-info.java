/**
 * Testcontainers support: Redis containers annotated with {@code @ServiceConnection} supply
 * {@link io.github.redlock.spring.boot.autoconfigure.RedlockConnectionDetails}, one server each.
 */
@NullMarked
package io.github.redlock.spring.boot.testcontainers;

import org.jspecify.annotations.NullMarked;
