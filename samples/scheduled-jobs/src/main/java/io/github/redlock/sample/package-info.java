/** A Spring Boot application whose scheduled jobs run once per tick across all its instances. */
@NullMarked
package io.github.redlock.sample;

import org.jspecify.annotations.NullMarked;
