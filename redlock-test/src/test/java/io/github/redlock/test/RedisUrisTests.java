package io.github.redlock.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;

class RedisUrisTests {

    @Test
    void withoutPasswordIsHostAndPort() {
        assertThat(RedisUris.of("127.0.0.1", 6390, null)).isEqualTo("redis://127.0.0.1:6390");
    }

    @Test
    void withPasswordPutsItInTheUserInfoWithAnEmptyUser() {
        assertThat(RedisUris.of("127.0.0.1", 6390, "s3cret")).isEqualTo("redis://:s3cret@127.0.0.1:6390");
    }

    @Test
    void percentEncodesEverythingButUnreservedCharacters() {
        assertThat(RedisUris.of("127.0.0.1", 1, "a:b@c/d é%-._~"))
                .isEqualTo("redis://:a%3Ab%40c%2Fd%20%C3%A9%25-._~@127.0.0.1:1");
    }

    @Test
    void lettuceReadsThePasswordAndPortBack() {
        String password = "p@ss:w/rd é";

        RedisURI parsed = RedisURI.create(RedisUris.of("127.0.0.1", 6391, password));

        assertThat(parsed.getHost()).isEqualTo("127.0.0.1");
        assertThat(parsed.getPort()).isEqualTo(6391);
        RedisCredentials credentials = parsed.getCredentialsProvider().resolveCredentials().block();
        assertThat(credentials).isNotNull();
        assertThat(new String(credentials.getPassword())).isEqualTo(password);
    }
}
