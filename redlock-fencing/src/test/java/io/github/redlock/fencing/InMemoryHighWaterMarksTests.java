package io.github.redlock.fencing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class InMemoryHighWaterMarksTests {

    private final InMemoryHighWaterMarks marks = new InMemoryHighWaterMarks();

    @Test
    void acceptsNewerAndEqualTokensPerResourceAndRefusesOlderOnes() {
        assertThat(marks.advance("a", 5).accepted()).isTrue();
        assertThat(marks.advance("a", 5).accepted()).isTrue();
        assertThat(marks.advance("b", 1).accepted()).isTrue();
        assertThat(marks.advance("a", 4)).isEqualTo(new FencingVerdict("a", 4, false, 5));
        assertThat(marks.highestToken("a")).isEqualTo(OptionalLong.of(5));
        assertThat(marks.highestToken("b")).isEqualTo(OptionalLong.of(1));
        assertThat(marks.highestToken("c")).isEmpty();
    }

    @Test
    void runFencedRunsTheWriteOnlyWhenAcceptedAndAFailedWriteLeavesTheMark() {
        List<Long> written = new ArrayList<>();
        marks.runFenced("a", 2, () -> written.add(2L));
        marks.runFenced("a", 1, () -> written.add(1L));
        assertThatThrownBy(() -> marks.runFenced("a", 3, () -> {
            throw new IllegalStateException("disk full");
        })).hasMessage("disk full");

        assertThat(written).containsExactly(2L);
        assertThat(marks.highestToken("a")).isEqualTo(OptionalLong.of(2));
    }

    @Test
    void refusesTokensOutsideTheExactRange() {
        assertThatThrownBy(() -> marks.advance("a", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> marks.advance("a", 1L << 53)).isInstanceOf(IllegalArgumentException.class);
    }
}
