package io.github.redlock.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisCommandLineTests {

    private static final Path DIR = Paths.get("/tmp/node-dir");
    private static final RedisServerBinary REDIS_7 = new RedisServerBinary(Paths.get("/usr/bin/redis-server"), "PATH", "7.0.15");
    private static final RedisServerBinary REDIS_6 = new RedisServerBinary(Paths.get("/tmp/redis-6"), "embedded", "6.2.11");

    @Test
    void defaultNodeBindsLoopbackWithoutAnyPersistence() {
        List<String> command = RedisCommandLine.build(REDIS_7, 7001, DIR, RedisNodeOptions.defaults());

        assertThat(command).containsExactly("/usr/bin/redis-server",
                "--bind", "127.0.0.1", "--port", "7001", "--save", "", "--appendonly", "no",
                "--dir", "/tmp/node-dir", "--daemonize", "no", "--protected-mode", "no",
                "--enable-debug-command", "local");
    }

    @Test
    void enableDebugCommandIsOnlyPassedToRedis7AndLater() {
        List<String> command = RedisCommandLine.build(REDIS_6, 7001, DIR, RedisNodeOptions.defaults());

        assertThat(command).doesNotContain("--enable-debug-command");
        assertThat(command.get(0)).isEqualTo("/tmp/redis-6");
    }

    @Test
    void appendOnlyFsyncsEveryWrite() {
        List<String> command = RedisCommandLine.build(REDIS_7, 7001, DIR, RedisNodeOptions.defaults().withAppendOnly(true));

        assertThat(String.join(" ", command))
                .contains("--appendonly yes --appendfsync always")
                .doesNotContain("--appendonly no");
    }

    @Test
    void passwordAndExtraArgumentsComeLastSoExtraArgumentsCanOverride() {
        RedisNodeOptions options = RedisNodeOptions.defaults().withPassword("pw").withExtraArgs(List.of("--save", "60 1"));

        List<String> command = RedisCommandLine.build(REDIS_7, 7001, DIR, options);

        assertThat(command.subList(command.size() - 4, command.size()))
                .containsExactly("--requirepass", "pw", "--save", "60 1");
    }

    @Test
    void describeMasksSecretsAndShowsEmptyArguments() {
        List<String> command = RedisCommandLine.build(REDIS_7, 7001, DIR,
                RedisNodeOptions.defaults().withPassword("hunter2").withExtraArgs(List.of("--masterauth", "other")));

        String text = RedisCommandLine.describe(command);

        assertThat(text).doesNotContain("hunter2").doesNotContain("other")
                .contains("--requirepass ****").contains("--masterauth ****").contains("--save ''");
    }
}
