/** Redlock's Actuator health indicator for Spring Boot 3.5. */
@NullMarked
package io.github.redlock.spring.boot3.actuate;

import org.jspecify.annotations.NullMarked;
