package io.github.redlock.test;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedisNodeInfoTests {

    private static final String INFO = "# Server\r\nredis_version:7.0.15\r\nprocess_id:4242\r\nprocess_supervised:no\r\n";

    @Test
    void readsAFieldOfAnInfoReply() {
        assertThat(RedisNode.infoField(INFO, "process_id")).isEqualTo("4242");
        assertThat(RedisNode.infoField(INFO, "redis_version")).isEqualTo("7.0.15");
    }

    @Test
    void aMissingFieldIsNullAndPrefixesDoNotMatch() {
        assertThat(RedisNode.infoField(INFO, "tcp_port")).isNull();
        assertThat(RedisNode.infoField(INFO, "process")).isNull();
    }
}
