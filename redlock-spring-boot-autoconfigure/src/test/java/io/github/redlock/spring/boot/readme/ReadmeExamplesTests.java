package io.github.redlock.spring.boot.readme;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Redlock;
import io.github.redlock.spring.boot.autoconfigure.DistributedLockAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The README's annotated beans pass the startup checks and are proxied; its customizer applies. */
class ReadmeExamplesTests {

    @Test
    void annotatedExamplesStartAndAreProxied() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RedlockAutoConfiguration.class, DistributedLockAutoConfiguration.class))
                .withBean(ReadmeExamples.NightlyReport.class).withBean(ReadmeExamples.InvoiceService.class)
                .withBean(ReadmeExamples.ExportService.class).withBean(ReadmeExamples.StockService.class)
                .withBean(ReadmeExamples.Cleanup.class).withUserConfiguration(ReadmeExamples.LockConfiguration.class)
                .withPropertyValues("redlock.servers=redis://127.0.0.1:1", "redlock.require-quorum-on-startup=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(AopUtils.isAopProxy(context.getBean(ReadmeExamples.InvoiceService.class))).isTrue();
                    assertThat(AopUtils.isAopProxy(context.getBean(ReadmeExamples.StockService.class))).isTrue();
                    assertThat(context.getBean(Redlock.class).options().keyPrefix()).isEqualTo("orders:locks:");
                });
    }
}
