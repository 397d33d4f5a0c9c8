/**
 * Redlock distributed locks over several independent Redis masters.
 *
 * <p>Start with {@link io.github.redlock.Redlock#builder()}.
 */
@NullMarked
package io.github.redlock;

import org.jspecify.annotations.NullMarked;
