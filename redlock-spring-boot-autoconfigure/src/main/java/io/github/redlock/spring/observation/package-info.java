/**
 * Micrometer Observations of lock acquisitions and of the held sections of
 * {@code @DistributedLock} calls: names, key values and replaceable conventions.
 */
@NullMarked
package io.github.redlock.spring.observation;

import org.jspecify.annotations.NullMarked;
