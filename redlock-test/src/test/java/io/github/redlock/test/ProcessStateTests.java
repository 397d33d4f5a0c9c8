package io.github.redlock.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProcessStateTests {

    @Test
    void readsTheStateAfterTheCommandNameEvenWhenItHoldsSpacesAndParentheses() {
        assertThat(ProcessState.parseProcStat("4242 (redis-server) T 1 4242 4242 0 -1 4194560")).isEqualTo('T');
        assertThat(ProcessState.parseProcStat("4242 (redis-server *:6379) S 1 4242")).isEqualTo('S');
        assertThat(ProcessState.parseProcStat("7 (a) b) (c) t 1 7")).isEqualTo('t');
    }

    @Test
    void rejectsWhatIsNotAStatLine() {
        assertThatThrownBy(() -> ProcessState.parseProcStat("garbage")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thisJvmIsNotStoppedAndANonexistentProcessHasNoState() {
        assertThat(ProcessState.isStopped(ProcessHandle.current().pid())).isFalse();
        assertThat(ProcessState.state(ProcessHandle.current().pid())).isNotEqualTo('?');
        assertThat(ProcessState.state(Integer.MAX_VALUE)).isEqualTo('?');
    }
}
