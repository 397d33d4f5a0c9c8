package io.github.redlock.spring.boot.autoconfigure;

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
    void otherFailuresAreLeftToOthers() {
        assertThat(analyzer.analyze(new IllegalStateException("unrelated"))).isNull();
    }
}
