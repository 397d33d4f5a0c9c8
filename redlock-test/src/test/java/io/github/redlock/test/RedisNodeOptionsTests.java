package io.github.redlock.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisNodeOptionsTests {

    @Test
    void defaultsHaveNoPersistenceNoPasswordAndNoExtraArguments() {
        RedisNodeOptions defaults = RedisNodeOptions.defaults();

        assertThat(defaults.appendOnly()).isFalse();
        assertThat(defaults.password()).isEmpty();
        assertThat(defaults.extraArgs()).isEmpty();
    }

    @Test
    void withMethodsReturnNewInstancesAndLeaveTheOriginalAlone() {
        RedisNodeOptions defaults = RedisNodeOptions.defaults();

        RedisNodeOptions changed = defaults.withAppendOnly(true).withPassword("pw").withExtraArgs(List.of("--x", "1"));

        assertThat(changed.appendOnly()).isTrue();
        assertThat(changed.password()).contains("pw");
        assertThat(changed.extraArgs()).containsExactly("--x", "1");
        assertThat(defaults.appendOnly()).isFalse();
        assertThat(defaults.password()).isEmpty();
        assertThat(defaults.extraArgs()).isEmpty();
        assertThat(changed.withPassword(null).password()).isEmpty();
    }

    @Test
    void extraArgumentsAreCopiedAndUnmodifiable() {
        List<String> args = new ArrayList<>(List.of("--maxmemory", "10mb"));
        RedisNodeOptions options = RedisNodeOptions.defaults().withExtraArgs(args);

        args.add("--oops");

        assertThat(options.extraArgs()).containsExactly("--maxmemory", "10mb");
        assertThatThrownBy(() -> options.extraArgs().add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> RedisNodeOptions.defaults().withExtraArgs(Arrays.asList("a", null)))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void anEmptyPasswordIsRejected() {
        assertThatThrownBy(() -> RedisNodeOptions.defaults().withPassword(""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringMasksThePassword() {
        String text = RedisNodeOptions.defaults().withPassword("hunter2").toString();

        assertThat(text).doesNotContain("hunter2").contains("password=****");
    }

    @Test
    void theBinaryHookIsCarriedAlong() {
        RedisServerBinary binary = new RedisServerBinary(Paths.get("/x/redis-server"), "test", "7.2.4");

        RedisNodeOptions options = RedisNodeOptions.defaults().withBinary(binary).withAppendOnly(true);

        assertThat(options.binary()).isSameAs(binary);
        assertThat(RedisNodeOptions.defaults().binary()).isNull();
    }
}
