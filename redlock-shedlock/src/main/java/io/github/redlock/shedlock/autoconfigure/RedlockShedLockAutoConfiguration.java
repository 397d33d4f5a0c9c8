package io.github.redlock.shedlock.autoconfigure;

import io.github.redlock.Redlock;
import io.github.redlock.shedlock.RedlockLockProvider;
import net.javacrumbs.shedlock.core.LockProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * A {@link RedlockLockProvider} as ShedLock's {@link LockProvider}, when ShedLock is on the class
 * path, one {@link Redlock} bean is configured (by {@code redlock.servers} or by the application),
 * and the application defines no {@code LockProvider} of its own (define one, for example a
 * {@code KeepAliveLockProvider} around a {@code RedlockLockProvider}, and this backs off). Still
 * needs ShedLock's {@code @EnableSchedulerLock} on a configuration class, as any provider does.
 */
@AutoConfiguration(afterName = "io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration")
@ConditionalOnClass({LockProvider.class, Redlock.class})
public final class RedlockShedLockAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(LockProvider.class)
    @ConditionalOnSingleCandidate(Redlock.class)
    RedlockLockProvider redlockLockProvider(Redlock redlock) {
        return new RedlockLockProvider(redlock);
    }
}
