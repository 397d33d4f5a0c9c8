/**
 * Spring Boot 4 auto-configuration of {@link io.github.redlock.integration.RedlockLockRegistry} and of
 * leader election per role ({@code redlock.leader.roles}), with a health detail of the roles led.
 */
@NullMarked
package io.github.redlock.integration.boot;

import org.jspecify.annotations.NullMarked;
