/** Integration tests of the Spring layer against real redis-server processes. */
@NullMarked
package io.github.redlock.spring.boot.it;

import org.jspecify.annotations.NullMarked;
