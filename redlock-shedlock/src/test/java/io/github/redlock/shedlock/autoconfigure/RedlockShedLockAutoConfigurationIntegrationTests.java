package io.github.redlock.shedlock.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Redlock;
import io.github.redlock.shedlock.RedlockLockProvider;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import io.github.redlock.test.RedisNodesExtension;
import java.util.Optional;
import net.javacrumbs.shedlock.core.LockProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * When the ShedLock provider is auto-configured: with ShedLock on the class path, one Redlock (here
 * from {@code redlock.servers}, three real nodes) and no {@code LockProvider} of the application's
 * own; and that Boot finds it by its {@code AutoConfiguration.imports} entry.
 */
class RedlockShedLockAutoConfigurationIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RedlockAutoConfiguration.class, RedlockShedLockAutoConfiguration.class));

    private ApplicationContextRunner withServers() {
        return runner.withPropertyValues("redlock.servers=" + String.join(",", redis.uris()));
    }

    @Test
    void isListedInAutoConfigurationImports() {
        assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()))
                .contains(RedlockShedLockAutoConfiguration.class.getName());
    }

    @Test
    void providesTheLockProviderOnTheConfiguredRedlock() {
        withServers().run(context -> {
            assertThat(context).hasSingleBean(LockProvider.class);
            assertThat(context.getBean(LockProvider.class)).isInstanceOf(RedlockLockProvider.class);
            assertThat(context.getBean(LockProvider.class).toString()).contains(context.getBean(Redlock.class).toString());
        });
    }

    @Test
    void backsOffWhenTheApplicationHasItsOwnLockProvider() {
        withServers().withUserConfiguration(OwnLockProvider.class).run(context -> {
            assertThat(context).hasSingleBean(LockProvider.class);
            assertThat(context.getBean(LockProvider.class)).isSameAs(OwnLockProvider.PROVIDER);
        });
    }

    @Test
    void staysAwayWithoutShedLock() {
        withServers().withClassLoader(new FilteredClassLoader(LockProvider.class))
                .run(context -> assertThat(context).doesNotHaveBean(RedlockLockProvider.class));
    }

    @Test
    void staysAwayWithoutRedlock() {
        runner.run(context -> {
            assertThat(context).doesNotHaveBean(Redlock.class);
            assertThat(context).doesNotHaveBean(LockProvider.class);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnLockProvider {
        static final LockProvider PROVIDER = configuration -> Optional.empty();

        @Bean
        LockProvider ownLockProvider() {
            return PROVIDER;
        }
    }
}
