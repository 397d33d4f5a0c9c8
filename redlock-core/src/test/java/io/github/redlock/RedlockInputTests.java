package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.github.redlock.internal.Jitter;
import io.github.redlock.internal.Node;
import io.github.redlock.internal.Validity;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad input gets a clear error before anything is sent to Redis. */
class RedlockInputTests {

    private static final Duration TTL = Duration.ofSeconds(10);

    private final ManualTicker ticker = new ManualTicker();
    private final FakeNode node = new FakeNode("redis://fake:6379", ticker);
    private final Redlock redlock = new Redlock(RedlockOptions.builder().servers("redis://fake:6379").build(),
            List.<Node>of(node), ticker, (task, delay) -> runUnlessCheck(task), Jitter.RANDOM);

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"  ", "\t\n"})
    void blankResourceIsRejected(String resource) {
        assertThatIllegalArgumentException().isThrownBy(() -> redlock.lock(resource, TTL))
                .withMessage("resource must not be null or blank");
        assertThat(node.acquireCalls.get()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bad\uD800", "\uDC00bad", "a\uDBFF\uDBFFb", "end\uD83D"})
    void resourceOrValueWithAnUnpairedSurrogateIsRejected(String text) {
        // It has no UTF-8 encoding: sent as '?', it would share a lock with another name.
        assertThatIllegalArgumentException().isThrownBy(() -> redlock.lock(text, TTL))
                .withMessageStartingWith("resource must be well-formed Unicode: unpaired surrogate U+D");
        assertThatIllegalArgumentException().isThrownBy(() -> redlock.lock("job", TTL, text))
                .withMessageStartingWith("value must be well-formed Unicode");
        assertThat(redlock.release(text, "v")).isFalse();
        assertThat(node.acquireCalls.get()).isZero();
    }

    @Test
    void surrogatePairsAreFine() {
        assertThat(redlock.lock("lock-\uD83D\uDD12", TTL, "v-\uD83D\uDE80")).isPresent();
    }

    @Test
    void nonPositiveOrSubMillisecondTtlIsRejected() {
        for (Duration ttl : new Duration[] {Duration.ZERO, Duration.ofMillis(-1), Duration.ofNanos(999_999), null}) {
            assertThatIllegalArgumentException().isThrownBy(() -> redlock.lock("job", ttl))
                    .withMessageStartingWith("ttl must be at least 1 ms");
        }
        assertThat(node.acquireCalls.get()).isZero();
    }

    /** Runs a task at once, but not a check of a held lease's nodes (due a third of the TTL later). */
    private static void runUnlessCheck(Runnable task) {
        if (!(task instanceof FillIn.Check)) {
            task.run();
        }
    }

    @Test
    void aTtlTheDriftAllowanceUsesUpIsRejected() {
        for (long millis : new long[] {1, 2}) {
            assertThatIllegalArgumentException().isThrownBy(() -> redlock.lock("job", Duration.ofMillis(millis)))
                    .withMessageContaining("leaves no validity").withMessageContaining("at least 3 ms");
        }
        Lease lease = redlock.lock("job", TTL).orElseThrow();
        assertThatIllegalArgumentException().isThrownBy(() -> redlock.extend(lease, Duration.ofMillis(2)))
                .withMessageContaining("leaves no validity");
        assertThat(node.acquireCalls.get()).isEqualTo(1);
    }

    @Test
    void enormousDurationsAreRejectedOrCappedNotOverflowed() {
        Duration forever = java.time.temporal.ChronoUnit.FOREVER.getDuration();

        assertThatIllegalArgumentException().isThrownBy(() -> LockRequest.of("job", TTL).withWaitTime(forever))
                .withMessageContaining("waitTime is too large");
        LockRequest held = LockRequest.of("job", TTL).withMinimumHold(forever);
        assertThat(held.minimumHold()).as("a hold longer than the TTL is the TTL").isEqualTo(TTL);
        assertThat(redlock.tryLock(held).leaseOrThrow().release()).isTrue();
    }

    @Test
    void aResourceOfAMegabyteIsCutInMessages() {
        String huge = "r".repeat(1_000_000);
        node.put(huge, "someone-else", TTL);
        Redlock once = new Redlock(RedlockOptions.builder().servers("redis://fake:6379").retryCount(0).build(),
                List.<Node>of(node), ticker, (task, delay) -> runUnlessCheck(task), Jitter.RANDOM);

        LockResult result = once.tryLock(huge, TTL);

        assertThat(result.toString()).hasSizeLessThan(1_000).contains("(1000000 characters)");
        assertThat(new LockNotAcquiredException(huge, LockFailure.CONTENDED, result.nodes()).getMessage())
                .hasSizeLessThan(1_000);
        assertThat(LockRequest.of(huge, TTL).toString()).hasSizeLessThan(1_000);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" "})
    void blankValueIsRejected(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> redlock.lock("job", TTL, value))
                .withMessage("value must not be null or blank");
    }

    @Test
    void negativeWaitTimeIsRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> redlock.tryLock("job", TTL, Duration.ofSeconds(-1)))
                .withMessageStartingWith("waitTime must be zero or positive");
    }

    @Test
    void releaseWithJunkArgumentsReturnsFalse() {
        assertThat(redlock.release("", "x")).isFalse();
        assertThat(redlock.release("job", "")).isFalse();
        assertThat(redlock.release("job", "never-locked")).isFalse();
    }

    @Test
    void noServersIsRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> Redlock.builder().build())
                .withMessageContaining("at least one Redis server is required");
    }

    @Test
    void malformedUrisAreRejectedWithoutTheirPassword() {
        assertThatIllegalArgumentException().isThrownBy(() -> Redlock.builder().servers("localhost:6379").build())
                .withMessageContaining("must start with redis:// or rediss://");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Redlock.builder().servers("redis://user:s3cret@host:notaport").build())
                .withMessageContaining("redis://****@host:notaport")
                .withMessageNotContaining("s3cret");
    }

    @Test
    void uriErrorsHideThePasswordWithoutASchemeOrWithSlashesInIt() {
        assertThatIllegalArgumentException().isThrownBy(() -> Redlock.builder().servers("admin:s3cret@host:6379").build())
                .withMessageContaining("'****@host:6379' must start with redis://")
                .withMessageNotContaining("s3cret");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Redlock.builder().servers("redis://:ab/cd+ef==@host:6379").build())
                .withMessageContaining("redis://****@host:6379")
                .withMessageNotContaining("ab/cd").withMessageNotContaining("cd+ef");
    }

    @Test
    void theSameServerTwiceIsRejectedNamingTheSecondEntry() {
        assertThatExceptionOfType(InvalidRedlockSettingException.class)
                .isThrownBy(() -> Redlock.builder()
                        .servers("redis://10.0.0.2:6379", "redis://10.0.0.1:6379", "redis://:s3cret@10.0.0.1:6379/2").build())
                .withMessageStartingWith("servers[2]: Redis server redis://10.0.0.1:6379/2 is listed twice")
                .withMessageNotContaining("s3cret")
                .satisfies(e -> {
                    assertThat(e.setting()).isEqualTo("servers");
                    assertThat(e.serverIndex()).hasValue(2);
                    assertThat(e.reason()).doesNotContain("s3cret").contains("listed twice");
                });
    }

    @Test
    void aBadServerEntryIsRejectedWithItsIndex() {
        assertThatExceptionOfType(InvalidRedlockSettingException.class)
                .isThrownBy(() -> RedlockOptions.builder().servers("redis://h:1", " ").build())
                .withMessage("servers[1]: must not be blank")
                .satisfies(e -> assertThat(e.serverIndex()).hasValue(1));
        assertThatExceptionOfType(InvalidRedlockSettingException.class)
                .isThrownBy(() -> RedlockOptions.builder().servers(Arrays.asList("redis://h:1", null)).build())
                .withMessage("servers[1]: must not be blank");
        assertThatExceptionOfType(InvalidRedlockSettingException.class)
                .isThrownBy(() -> RedlockOptions.builder().build())
                .satisfies(e -> {
                    assertThat(e.setting()).isEqualTo("servers");
                    assertThat(e.serverIndex()).isEmpty();
                });
    }

    @Test
    void invalidOptionsNameTheSetting() {
        assertThatExceptionOfType(InvalidRedlockSettingException.class).isThrownBy(() -> RedlockOptions.builder()
                .servers("redis://h:1").retryCount(-1).build()).withMessage("retryCount: must be at least 0, got -1")
                .satisfies(e -> {
                    assertThat(e.setting()).isEqualTo("retryCount");
                    assertThat(e.reason()).isEqualTo("must be at least 0, got -1");
                    assertThat(e.serverIndex()).isEmpty();
                });
        assertThatIllegalArgumentException().isThrownBy(() -> RedlockOptions.builder().servers("redis://h:1")
                .timeout(Duration.ZERO).build()).withMessage("timeout: must be positive, got PT0S");
        assertThatIllegalArgumentException().isThrownBy(() -> RedlockOptions.builder().servers("redis://h:1")
                .driftFactor(1.5).build()).withMessageStartingWith("driftFactor: must be");
        assertThatIllegalArgumentException().isThrownBy(() -> RedlockOptions.builder().servers("redis://h:1")
                .retryDelay(Duration.ofMillis(-5)).build()).withMessageStartingWith("retryDelay: must be");
        assertThatIllegalArgumentException().isThrownBy(() -> RedlockOptions.builder().servers("redis://h:1")
                .keyPrefix(null).build()).withMessage("keyPrefix: must not be null");
    }

    @Test
    void theMinimumTtlIsTheShortestWithValidityLeftForAnyDriftFactor() {
        assertThat(RedlockOptions.minimumTtl(RedlockOptions.DEFAULT_DRIFT_FACTOR)).isEqualTo(Duration.ofMillis(3));
        assertThat(RedlockOptions.minimumTtl(0.5)).isEqualTo(Duration.ofMillis(5));
        for (double factor : new double[] {0, 0.01, 0.3, 0.5, 0.9, 0.999}) {
            long millis = RedlockOptions.minimumTtl(factor).toMillis();
            assertThat(Validity.driftNanos(millis * 1_000_000L, factor)).as("%s", factor).isLessThan(millis * 1_000_000L);
            assertThat(Validity.driftNanos((millis - 1) * 1_000_000L, factor)).as("%s", factor)
                    .isGreaterThanOrEqualTo((millis - 1) * 1_000_000L);
        }
        // A factor this close to 1 was a loop of ~2e10 steps at startup: now the 50-year ceiling, at once.
        assertThat(RedlockOptions.minimumTtl(0.9999999999)).isGreaterThan(Duration.ofDays(200));
    }

    @Test
    void optionsToStringMasksPasswords() {
        RedlockOptions options = RedlockOptions.builder()
                .servers("redis://admin:s3cret@10.0.0.1:6379", "rediss://:t0ken@10.0.0.2:6380").build();

        assertThat(options.toString()).contains("redis://10.0.0.1:6379", "rediss://10.0.0.2:6380")
                .doesNotContain("s3cret", "t0ken", "admin");
        assertThat(options.toBuilder().retryCount(1).build().servers()).isEqualTo(options.servers());
    }

    @Test
    void optionsDefaultsAreAsDocumented() {
        RedlockOptions options = RedlockOptions.builder().servers("redis://h:1").build();

        assertThat(options.retryCount()).isEqualTo(3);
        assertThat(options.retryDelay()).isEqualTo(Duration.ofMillis(200));
        assertThat(options.retryJitter()).isEqualTo(Duration.ofMillis(100));
        assertThat(options.driftFactor()).isEqualTo(0.01);
        assertThat(options.timeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(options.keyPrefix()).isEmpty();
        assertThat(options.requireQuorumOnStartup()).isTrue();
    }

    @Test
    void sslOptionsAreKeptByToBuilderAndShownOnlyAsCustom() {
        io.lettuce.core.SslOptions ssl = io.lettuce.core.SslOptions.builder().jdkSslProvider().build();
        RedlockOptions options = RedlockOptions.builder().servers("rediss://h:1").sslOptions(ssl).build();

        assertThat(options.sslOptions()).isSameAs(ssl);
        assertThat(options.toBuilder().retryCount(1).build().sslOptions()).isSameAs(ssl);
        assertThat(options.toString()).endsWith(", sslOptions=custom]");
        assertThat(RedlockOptions.builder().servers("redis://h:1").build().sslOptions()).isNull();
    }
}
