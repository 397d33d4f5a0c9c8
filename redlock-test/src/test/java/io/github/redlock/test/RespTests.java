package io.github.redlock.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RespTests {

    @Test
    void encodesACommandAsAnArrayOfBulkStringsWithUtf8ByteLengths() {
        byte[] encoded = Resp.encode("SET", "k", "é", "");

        assertThat(new String(encoded, StandardCharsets.UTF_8))
                .isEqualTo("*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n$0\r\n\r\n");
    }

    @Test
    void refusesToEncodeAnEmptyCommand() {
        assertThatThrownBy(Resp::encode).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decodesSimpleStringsIntegersAndBulkStrings() throws IOException {
        assertThat(read("+OK\r\n")).isEqualTo("OK");
        assertThat(read(":-42\r\n")).isEqualTo(-42L);
        assertThat(read("$4\r\nhé!\r\n")).isEqualTo("hé!");
        assertThat(read("$0\r\n\r\n")).isEqualTo("");
        assertThat(read("$4\r\na\r\nb\r\n")).isEqualTo("a\r\nb");
    }

    @Test
    void decodesNullBulkStringsAndNullArraysAsNull() throws IOException {
        assertThat(read("$-1\r\n")).isNull();
        assertThat(read("*-1\r\n")).isNull();
    }

    @Test
    void decodesNestedArraysWithNullElements() throws IOException {
        Object reply = read("*3\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n*0\r\n");

        assertThat(reply).isEqualTo(Arrays.asList("a", Arrays.asList(1L, null), List.of()));
        assertThatThrownBy(() -> ((List<?>) reply).clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void throwsTheErrorReplyWithTheCommandName() {
        assertThatThrownBy(() -> Resp.read(stream("-ERR unknown command 'FOO'\r\n"), "FOO"))
                .isInstanceOfSatisfying(RedisReplyException.class, e -> {
                    assertThat(e.command()).isEqualTo("FOO");
                    assertThat(e.error()).isEqualTo("ERR unknown command 'FOO'");
                    assertThat(e.code()).isEqualTo("ERR");
                    assertThat(e).hasMessage("Redis replied to FOO with an error: ERR unknown command 'FOO'");
                });
    }

    @Test
    void throwsAnErrorNestedInAnArrayAfterConsumingTheWholeReply() throws IOException {
        InputStream in = stream("*2\r\n+OK\r\n-WRONGTYPE bad\r\n:7\r\n");

        assertThatThrownBy(() -> Resp.read(in, "EXEC"))
                .isInstanceOfSatisfying(RedisReplyException.class, e -> assertThat(e.code()).isEqualTo("WRONGTYPE"));
        assertThat(Resp.read(in, "NEXT")).isEqualTo(7L);
    }

    @Test
    void reportsTruncatedRepliesAsEndOfStream() {
        assertThatThrownBy(() -> read("")).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> read("+OK")).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> read("$5\r\nab")).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> read("*2\r\n:1\r\n")).isInstanceOf(EOFException.class);
    }

    @Test
    void reportsMalformedRepliesAsProtocolErrors() {
        assertThatThrownBy(() -> read("%1\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> read(":abc\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> read("$-2\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> read("$1\r\nab\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> read("+OK\rX")).isInstanceOf(ProtocolException.class);
    }

    private static Object read(String reply) throws IOException {
        return Resp.read(stream(reply), "TEST");
    }

    private static InputStream stream(String reply) {
        return new ByteArrayInputStream(reply.getBytes(StandardCharsets.UTF_8));
    }
}
