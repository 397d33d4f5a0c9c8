package io.github.redlock.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedisServerBinaryTests {

    @TempDir
    Path temp;

    @Test
    void parsesTheVersionFromVersionOutput() {
        assertThat(RedisServerBinary.parseVersion(
                "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0\n"))
                .isEqualTo("7.0.15");
        assertThat(RedisServerBinary.parseVersion("Redis server v=6.2.11 sha=00000000:0 malloc=libc bits=64"))
                .isEqualTo("6.2.11");
        assertThatThrownBy(() -> RedisServerBinary.parseVersion("bash: redis-server: command not found"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void knowsTheMajorVersionAndWhetherDebugCanBeEnabled() {
        assertThat(binary("7.0.15").majorVersion()).isEqualTo(7);
        assertThat(binary("7.0.15").supportsEnableDebugCommand()).isTrue();
        assertThat(binary("6.2.11").supportsEnableDebugCommand()).isFalse();
        assertThat(binary("10.0.0").supportsEnableDebugCommand()).isTrue();
    }

    @Test
    void mapsOsAndArchitectureToTheBinariesInTheEmbeddedRedisJar() {
        assertThat(RedisServerBinary.embeddedResourceName("Linux", "amd64")).isEqualTo("redis-server-6.2.6-v5-linux-amd64");
        assertThat(RedisServerBinary.embeddedResourceName("Linux", "x86_64")).isEqualTo("redis-server-6.2.6-v5-linux-amd64");
        assertThat(RedisServerBinary.embeddedResourceName("Linux", "aarch64")).isEqualTo("redis-server-6.2.7-linux-arm64");
        assertThat(RedisServerBinary.embeddedResourceName("Linux", "i386")).isEqualTo("redis-server-6.2.7-linux-386");
        assertThat(RedisServerBinary.embeddedResourceName("Mac OS X", "x86_64")).isEqualTo("redis-server-6.2.6-v5-darwin-amd64");
        assertThat(RedisServerBinary.embeddedResourceName("Mac OS X", "aarch64")).isEqualTo("redis-server-6.2.6-v5-darwin-arm64");
        assertThat(RedisServerBinary.embeddedResourceName("Windows 11", "amd64")).isNull();
        assertThat(RedisServerBinary.embeddedResourceName("Linux", "s390x")).isNull();
    }

    @Test
    void everyMappedBinaryIsReallyInTheJar() {
        String[][] platforms = {{"Linux", "amd64"}, {"Linux", "aarch64"}, {"Linux", "x86"}, {"Mac OS X", "x86_64"},
            {"Mac OS X", "aarch64"}};
        for (String[] platform : platforms) {
            String resource = RedisServerBinary.embeddedResourceName(platform[0], platform[1]);
            assertThat(RedisServerBinary.class.getResource("/" + resource)).as(resource).isNotNull();
        }
    }

    @Test
    void findsTheFirstExecutableOnThePath() throws IOException {
        Path notExecutable = Files.createDirectory(temp.resolve("a"));
        Path executable = Files.createDirectory(temp.resolve("b"));
        Path later = Files.createDirectory(temp.resolve("c"));
        Files.createFile(notExecutable.resolve("redis-server"));
        makeExecutable(Files.createFile(executable.resolve("redis-server")));
        makeExecutable(Files.createFile(later.resolve("redis-server")));
        String path = String.join(File.pathSeparator, "", temp.resolve("missing").toString(), notExecutable.toString(),
                executable.toString(), later.toString());

        assertThat(RedisServerBinary.findOnPath(path, "redis-server")).isEqualTo(executable.resolve("redis-server"));
        assertThat(RedisServerBinary.findOnPath(notExecutable.toString(), "redis-server")).isNull();
        assertThat(RedisServerBinary.findOnPath(null, "redis-server")).isNull();
    }

    @Test
    void aPropertyThatDoesNotPointAtAnExecutableIsAnErrorNotAFallback() {
        String missing = temp.resolve("no-such-redis-server").toString();

        assertThatThrownBy(() -> RedisServerBinary.locate(missing, null, "/usr/bin", "Linux", "amd64"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(RedisServerBinary.PROPERTY)
                .hasMessageContaining(missing);
        assertThatThrownBy(() -> RedisServerBinary.locate(null, missing, "/usr/bin", "Linux", "amd64"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(RedisServerBinary.ENV);
    }

    @Test
    void noBinaryAnywhereIsReportedClearly() {
        assertThatThrownBy(() -> RedisServerBinary.locate(null, null, temp.toString(), "Windows 11", "amd64"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("No redis-server binary found")
                .hasMessageContaining("Windows 11 amd64")
                .hasMessageContaining(RedisServerBinary.PROPERTY)
                .hasMessageContaining("Testcontainers");
    }

    private static RedisServerBinary binary(String version) {
        return new RedisServerBinary(Paths.get("/bin/redis-server"), "test", version);
    }

    private static void makeExecutable(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
