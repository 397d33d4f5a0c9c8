package io.github.redlock.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Resolution of the binary with real executables: the PATH, configured ones, and the embedded fallback. */
@Timeout(60)
class RedisServerBinaryIntegrationTests {

    private static final String OS = System.getProperty("os.name");
    private static final String ARCH = System.getProperty("os.arch");

    @TempDir
    Path temp;

    @Test
    void usesRedisServerFromThePathWhenNothingIsConfigured() {
        Path onPath = RedisServerBinary.findOnPath(System.getenv("PATH"), "redis-server");
        assumeTrue(onPath != null, "no redis-server on the PATH");
        assumeTrue(System.getProperty(RedisServerBinary.PROPERTY) == null && System.getenv(RedisServerBinary.ENV) == null,
                "a binary is configured explicitly");

        RedisServerBinary binary = RedisServerBinary.resolve();

        assertThat(binary.path()).isEqualTo(onPath);
        assertThat(binary.source()).isEqualTo("PATH");
        assertThat(binary.version()).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(RedisServerBinary.resolve()).isSameAs(binary);
    }

    @Test
    void theSystemPropertyWinsOverTheEnvironmentVariableAndThePath() throws IOException {
        Path fake = script("fake-redis", "echo 'Redis server v=9.8.7 sha=00000000:0 malloc=libc bits=64 build=0'");
        Path other = script("other-redis", "echo 'Redis server v=1.2.3 sha=0'");

        RedisServerBinary binary = RedisServerBinary.locate(fake.toString(), other.toString(), System.getenv("PATH"), OS, ARCH);

        assertThat(binary.path()).isEqualTo(fake);
        assertThat(binary.version()).isEqualTo("9.8.7");
        assertThat(binary.source()).isEqualTo("system property " + RedisServerBinary.PROPERTY);
    }

    @Test
    void theEnvironmentVariableWinsOverThePath() throws IOException {
        Path fake = script("fake-redis", "echo 'Redis server v=9.8.7 sha=0'");

        RedisServerBinary binary = RedisServerBinary.locate(null, fake.toString(), System.getenv("PATH"), OS, ARCH);

        assertThat(binary.path()).isEqualTo(fake);
        assertThat(binary.source()).isEqualTo("environment variable " + RedisServerBinary.ENV);
    }

    @Test
    void aBinaryThatIsNotRedisOrFailsIsRejectedWithItsOutput() throws IOException {
        Path notRedis = script("not-redis", "echo 'hello'");
        Path failing = script("failing-redis", "echo 'cannot execute' >&2; exit 3");

        assertThatThrownBy(() -> RedisServerBinary.locate(notRedis.toString(), null, null, OS, ARCH))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not look like redis-server")
                .hasMessageContaining("hello");
        assertThatThrownBy(() -> RedisServerBinary.locate(failing.toString(), null, null, OS, ARCH))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exited with 3")
                .hasMessageContaining("cannot execute");
    }

    @Test
    void withoutRedisServerOnThePathTheEmbeddedBinaryIsExtractedAndUsed() {
        assumeEmbeddedBinaryForThisPlatform();

        RedisServerBinary binary = RedisServerBinary.locate(null, null, temp.toString(), OS, ARCH);

        assertThat(binary.source()).startsWith("embedded-redis jar (redis-server-");
        assertThat(binary.path()).isExecutable();
        assertThat(binary.version()).startsWith("6.2.");
    }

    @Test
    void theWordEmbeddedForcesTheEmbeddedBinary() {
        assumeEmbeddedBinaryForThisPlatform();

        RedisServerBinary binary = RedisServerBinary.locate("embedded", null, System.getenv("PATH"), OS, ARCH);

        assertThat(binary).isSameAs(RedisServerBinary.embedded());
    }

    @Test
    void aNodeRunsWithTheEmbeddedBinary() {
        assumeEmbeddedBinaryForThisPlatform();
        RedisServerBinary embedded = RedisServerBinary.embedded();

        try (RedisNodes nodes = RedisNodes.start(1, RedisNodeOptions.defaults().withBinary(embedded))) {
            RedisNode node = nodes.node(0);

            assertThat(node.binary()).isSameAs(embedded);
            assertThat(node.command("PING")).isEqualTo("PONG");
            assertThat(RedisNode.infoField((String) node.command("INFO", "server"), "redis_version"))
                    .isEqualTo(embedded.version());
            node.restart();
            assertThat(node.command("PING")).isEqualTo("PONG");
        }
    }

    private static void assumeEmbeddedBinaryForThisPlatform() {
        assumeTrue(RedisServerBinary.embeddedResourceName(OS, ARCH) != null,
                "the embedded-redis jar has no redis-server for " + OS + " " + ARCH);
    }

    private Path script(String name, String body) throws IOException {
        Path file = temp.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }
}
