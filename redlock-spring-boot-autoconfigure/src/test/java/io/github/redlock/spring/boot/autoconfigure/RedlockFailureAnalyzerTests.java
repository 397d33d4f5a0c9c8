package io.github.redlock.spring.boot.autoconfigure;

import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Bean;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import io.github.redlock.spring.DistributedLock;
import io.github.redlock.Redlock;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.NodeOutcome;
import io.github.redlock.NodeStatus;
import io.github.redlock.RedlockConnectionException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;

class RedlockFailureAnalyzerTests {

    private final RedlockFailureAnalyzer analyzer = new RedlockFailureAnalyzer();

    @Test
    void invalidPropertyIsExplainedWithItsName() {
        FailureAnalysis analysis = analyzer.analyze(new BeanCreationException("redlock",
                new InvalidRedlockPropertyException("redlock.retry-count", "must be 0 or more, got -1")));
        assertThat(analysis).isNotNull();
        assertThat(analysis.getDescription()).isEqualTo("Invalid Redlock configuration: redlock.retry-count: must be 0 or more, got -1");
        assertThat(analysis.getAction()).contains("redlock.retry-count");
    }

    @Test
    void unreachableServersSuggestThePropertyThatAllowsStartingAnyway() {
        FailureAnalysis analysis = analyzer.analyze(new BeanCreationException("redlock", new RedlockConnectionException(2,
                List.of(new NodeOutcome("redis://10.0.0.1:6379", NodeStatus.ERROR, "Connection refused")))));
        assertThat(analysis).isNotNull();
        assertThat(analysis.getDescription()).contains("redis://10.0.0.1:6379");
        assertThat(analysis.getAction()).contains("redlock.require-quorum-on-startup=false");
    }

    @Test
    void aMissingRedlockBeanNamesTheProperty() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RedlockAutoConfiguration.class))
                .withUserConfiguration(NeedsRedlock.class)
                .run(context -> {
                    FailureAnalysis analysis = analyzer.analyze(context.getStartupFailure());
                    assertThat(analysis).isNotNull();
                    assertThat(analysis.getDescription()).contains("no Redlock is configured").contains("redlock.servers");
                    assertThat(analysis.getAction()).contains("redlock.servers=redis://");
                });
    }

    @Test
    void anInvalidAnnotationIsAShortAnalysisNamingTheMethodAndTheFix() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RedlockAutoConfiguration.class,
                        DistributedLockAutoConfiguration.class))
                .withUserConfiguration(InvalidAnnotation.class)
                .run(context -> {
                    FailureAnalysis analysis = analyzer.analyze(context.getStartupFailure());
                    assertThat(analysis).isNotNull();
                    assertThat(analysis.getDescription()).contains("Jobs.report(long)").contains("#reportId")
                            .contains("Did you mean #id?");
                    assertThat(analysis.getAction()).contains("Jobs.report(long)");
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class NeedsRedlock {

        @Bean
        String needsRedlock(Redlock redlock) {
            return redlock.toString();
        }
    }

    public static class Jobs {

        @DistributedLock(resource = "report:#{#reportId}")
        public void report(long id) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class InvalidAnnotation {

        @Bean
        Jobs jobs() {
            return new Jobs();
        }
    }

    @Test
    void otherFailuresAreLeftToOthers() {
        assertThat(analyzer.analyze(new IllegalStateException("unrelated"))).isNull();
        assertThat(analyzer.analyze(new org.springframework.beans.factory.NoUniqueBeanDefinitionException(Redlock.class,
                "one", "two"))).as("two Redlock beans: Boot's own analysis says which").isNull();
    }
}
