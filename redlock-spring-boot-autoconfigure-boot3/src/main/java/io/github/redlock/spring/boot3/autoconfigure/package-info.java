/**
 * Auto-configuration of the parts that Spring Boot 3.5 keeps in other packages than Boot 4: the
 * {@code redlock} health indicator and the Spring Data Redis server used when
 * {@code redlock.servers} is empty. Each is conditional on a Boot 3.5 class, so on Boot 4 none of
 * it loads.
 */
@NullMarked
package io.github.redlock.spring.boot3.autoconfigure;

import org.jspecify.annotations.NullMarked;
