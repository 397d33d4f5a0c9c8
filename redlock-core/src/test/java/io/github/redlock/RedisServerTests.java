package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Server URIs: what is refused, with which message, and that no message shows a password. */
class RedisServerTests {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "redis://locker:p@ss@10.0.0.1:6379 | p@ss",
            "redis://locker:pa:ss@10.0.0.1:6379 | pa:ss",
            "redis://locker:pa/ss@10.0.0.1:6379 | pa/ss",
            "redis://:ab/cd+ef==@10.0.0.1:6379 | ab/cd" })
    void aRawAtColonOrSlashInTheUserInfoAsksToPercentEncodeThePassword(String uri, String password) {
        assertThatExceptionOfType(InvalidRedlockSettingException.class)
                .isThrownBy(() -> RedlockOptions.builder().servers("redis://10.0.0.9:6379", uri).build())
                .withMessageStartingWith("servers[1]: Redis server URI 'redis://****@10.0.0.1:6379'")
                .withMessageContaining("percent-encode the password")
                .withMessageContaining("%40").withMessageContaining("%3A").withMessageContaining("%2F")
                .withMessageNotContaining(password)
                .satisfies(e -> assertThat(e.serverIndex()).hasValue(1));
    }

    @ParameterizedTest
    @ValueSource(strings = { "redis://user:pw@:6379", "redis://:6379", "rediss://user:pw@/2" })
    void aUriWithoutAHostIsRefusedNamingTheEntry(String uri) {
        assertThatExceptionOfType(InvalidRedlockSettingException.class)
                .isThrownBy(() -> RedlockOptions.builder().servers("redis://10.0.0.9:6379", uri).build())
                .withMessageStartingWith("servers[1]: Redis server URI '")
                .withMessageEndingWith("' has no host")
                .withMessageNotContaining("pw")
                .satisfies(e -> assertThat(e.serverIndex()).hasValue(1));
    }

    @ParameterizedTest
    @ValueSource(strings = { "NONE", "CA", "false", "none", "true" })
    void aWeakerVerifyPeerIsRefusedNamingTheSettingAndTheSafeAlternative(String mode) {
        assertThatExceptionOfType(InvalidRedlockSettingException.class)
                .isThrownBy(() -> RedlockOptions.builder()
                        .servers("rediss://locker:s3cret@10.0.0.1:6380?verifyPeer=" + mode).build())
                .withMessageStartingWith("servers[0]: Redis server URI 'rediss://****@10.0.0.1:6380?verifyPeer=" + mode
                        + "' sets verifyPeer=" + mode)
                .withMessageContaining("sslOptions").withMessageContaining("truststore")
                .withMessageNotContaining("malformed").withMessageNotContaining("s3cret");
    }

    @ParameterizedTest
    @ValueSource(strings = { "FULL", "full" })
    void fullVerificationMayBeSpelledOut(String mode) {
        RedlockOptions options = RedlockOptions.builder().servers("rediss://10.0.0.1:6380?verifyPeer=" + mode).build();

        assertThat(options.toString()).contains("rediss://10.0.0.1:6380");
    }

    @Test
    void parseReadsAddressDatabaseAndDecodedCredentials() {
        RedisServer server = RedisServer.parse("rediss://locker:p%40ss%3Aw%2Frd%25+x@10.0.0.7:6380/2");

        assertThat(server.ssl()).isTrue();
        assertThat(server.host()).isEqualTo("10.0.0.7");
        assertThat(server.port()).isEqualTo(6380);
        assertThat(server.database()).isEqualTo(2);
        assertThat(server.username()).isEqualTo("locker");
        assertThat(server.password()).isEqualTo("p@ss:w/rd%+x");
        assertThat(server).hasToString("rediss://locker:****@10.0.0.7:6380/2");
        assertThat(server.address()).isEqualTo("rediss://10.0.0.7:6380/2");
        assertThat(server).isEqualTo(RedisServer.of("10.0.0.7", 6380).withSsl(true).withDatabase(2)
                .withCredentials("locker", "p@ss:w/rd%+x"));
    }

    @Test
    void parseTakesTheFormsLettuceTakes() {
        assertThat(RedisServer.parse("redis://secret@127.0.0.1:6379")).satisfies(server -> {
            assertThat(server.username()).isNull();
            assertThat(server.password()).isEqualTo("secret");
            assertThat(server).hasToString("redis://:****@127.0.0.1:6379");
        });
        assertThat(RedisServer.parse("redis://:secret@127.0.0.1").password()).isEqualTo("secret");
        assertThat(RedisServer.parse(" REDIS://Redis.Local ")).isEqualTo(RedisServer.of("redis.local", 6379));
        assertThat(RedisServer.parse("redis://[::1]:7000/3?database=4")).satisfies(server -> {
            assertThat(server.host()).isEqualTo("::1");
            assertThat(server.database()).isEqualTo(4);
            assertThat(server.address()).isEqualTo("redis://[::1]:7000/4");
        });
        assertThat(RedisServer.parse("rediss://h?verifyPeer=FULL")).isEqualTo(RedisServer.of("h", 6379).withSsl(true));
    }

    @Test
    void builtServersValidateTheirParts() {
        assertThat(RedisServer.of("[::1]", 7000).host()).isEqualTo("::1");
        assertThat(RedisServer.of("h", 1).withCredentials("", "")).isEqualTo(RedisServer.of("h", 1));
        assertThatIllegalArgumentException().isThrownBy(() -> RedisServer.of(" ", 6379)).withMessageContaining("host");
        assertThatIllegalArgumentException().isThrownBy(() -> RedisServer.of("h", 0))
                .withMessage("Redis server h has an invalid port 0");
        assertThatIllegalArgumentException().isThrownBy(() -> RedisServer.of("h", 1).withDatabase(-1))
                .withMessageContaining("0 or more");
    }

    @Test
    void theOptionsKeepBuiltServersAndRejectTheSameHostAndPortTwice() {
        RedisServer first = RedisServer.of("10.0.0.1", 6379).withCredentials("app", "s3cret");
        RedlockOptions options = RedlockOptions.builder().servers(List.of(first, RedisServer.of("10.0.0.2", 6379)))
                .build();

        assertThat(options.servers()).containsExactly(first, RedisServer.of("10.0.0.2", 6379));
        assertThat(options.toString()).contains("[redis://10.0.0.1:6379, redis://10.0.0.2:6379]")
                .doesNotContain("s3cret", "app");
        assertThatExceptionOfType(InvalidRedlockSettingException.class)
                .isThrownBy(() -> RedlockOptions.builder().servers(first, RedisServer.of("10.0.0.1", 6379).withDatabase(1))
                        .build())
                .withMessageStartingWith("servers[1]: Redis server redis://10.0.0.1:6379/1 is listed twice");
    }

    @Test
    void uriErrorsNeverShowThePassword() {
        List<String> uris = List.of("redis://:s3cret@h:99999", "redis://:s3cret@h:6379/x", "redis://:s3%2@h:6379",
                "redis://:s3cret@h:6379?timeout=5s", "redis://:s3?cret@h:6379", "http://:s3cret@h:1",
                "redis://:s3cret@[::1:6379", "redis://:s3cret@::1:6379");
        for (String uri : uris) {
            assertThatIllegalArgumentException().as(uri).isThrownBy(() -> RedisServer.parse(uri))
                    .withMessageStartingWith("Redis server URI '")
                    .withMessageNotContaining("s3cret").withMessageNotContaining("s3%2").withMessageNotContaining("cret@");
        }
        assertThatIllegalArgumentException().isThrownBy(() -> RedisServer.parse("redis://h:1?timeout=5s"))
                .withMessageContaining("has the option 'timeout', which Redlock does not read");
    }
}
