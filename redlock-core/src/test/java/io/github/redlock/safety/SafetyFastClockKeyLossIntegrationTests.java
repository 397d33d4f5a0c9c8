package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.RedlockOptions;
import io.github.redlock.test.RedisNodesExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Keys lost again and again while locks are held (issue 25, "Keys lost again"): of 5 nodes, the
 * lossy ones run under libfaketime with a clock 4 times as fast ({@link FakeClockRedis},
 * {@code FAKETIME="+0 x4"}), so every key, fill-in and renewal there expires after a quarter of its
 * TTL, during the critical section. Six clients contend for one resource, so locks are often
 * granted on a bare quorum that includes the lossy nodes. With 2 lossy nodes of 5 a held lease must
 * stand on the 3 others; with 3 (a majority, the negative control) no client can prevent overlaps.
 * Skipped, with the reason, where libfaketime or the embedded binary is missing.
 */
@Timeout(120)
@ExtendWith(SafetySummary.class)
class SafetyFastClockKeyLossIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final String FOUR_TIMES_AS_FAST = "+0 x4";
    private static final Duration TTL = Duration.ofMillis(400);
    private static final Duration RUN = Duration.ofSeconds(8);
    /** A negative control runs until the checker sees an overlap, at most this long. */
    private static final Duration CONTROL_BOUND = Duration.ofSeconds(12);

    private static final List<FakeClockRedis> fast = new ArrayList<>();

    @BeforeAll
    static void startFastNodes() {
        StringBuilder reason = new StringBuilder();
        Optional<Path> library = FakeClockRedis.find(reason);
        Assumptions.assumeTrue(library.isPresent(), reason::toString);
        for (int i = 0; i < 3; i++) {
            fast.add(FakeClockRedis.start(library.get(), FOUR_TIMES_AS_FAST));
        }
    }

    @AfterAll
    static void stopFastNodes() {
        fast.forEach(FakeClockRedis::close);
        fast.clear();
    }

    /** {@code lossy} fast-clock nodes first, then ordinary ones: 5 in all. */
    private static List<String> servers(int lossy) {
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < lossy; i++) {
            servers.add(fast.get(i).uri());
        }
        servers.addAll(redis.uris().subList(0, 5 - lossy));
        return servers;
    }

    private static Workload.Settings contended(int lossy, String prefix, long seed) {
        // Six clients, one resource, each holding the lock for about 3/4 of its validity: a key on a
        // fast node expires after about 100 ms, a third of the way into the section. The clients do
        // not wait in turn (a call fails at once when the lock is held, and the client tries again
        // after its think time), so their attempts keep setting keys wherever one is missing. Retry
        // delays are the defaults (200 ms, jitter 100 ms).
        return new Workload.Settings().servers(servers(lossy)).keyPrefix(prefix).seed(seed).clients(6)
                .resources(List.of("r0")).ttl(TTL).sections(250, 290).waitTime(Duration.ZERO)
                .retry(RedlockOptions.DEFAULT_RETRY_DELAY, RedlockOptions.DEFAULT_RETRY_JITTER);
    }

    @Test
    void twoFastClockNodesOfFiveLosingKeysAgainAndAgainCauseNoOverlap() {
        SafetySummary.Run run = SafetySummary.start("K6 two fast-clock nodes of 5 (x4) lose every key early, 6 clients");
        MutualExclusionChecker checker = new MutualExclusionChecker();
        Workload workload = Workload.start(contended(2, "k6:", run.seed()), checker, SharedCounter.inMemory());
        long created = runFor(workload, checker, run, RUN, () -> false);
        assertThat(workload.sections()).as("sections").isGreaterThanOrEqualTo(10);
        assertThat(created).as("keys re-created by fill-in and checks (the fix at work)").isPositive();
        assertThat(checker.overlaps()).as("overlapping claims of " + workload.sections() + " sections").isEmpty();
    }

    @Test
    void twoFastClockNodesOfFiveWithKeepAliveCauseNoOverlap() {
        SafetySummary.Run run = SafetySummary.start("K7 the same with keep-alive renewals");
        MutualExclusionChecker checker = new MutualExclusionChecker();
        Workload workload = Workload.start(contended(2, "k7:", run.seed()).keepAlive(true), checker,
                SharedCounter.inMemory());
        runFor(workload, checker, run, RUN, () -> false);
        assertThat(workload.sections()).as("sections").isGreaterThanOrEqualTo(10);
        assertThat(checker.overlaps()).as("overlapping claims of " + workload.sections() + " sections").isEmpty();
    }

    @Test
    void threeFastClockNodesOfFiveAreDetectedAsOverlaps() {
        SafetySummary.Run run = SafetySummary.start("K8 three fast-clock nodes of 5 (a majority; negative control)");
        MutualExclusionChecker checker = new MutualExclusionChecker();
        Workload workload = Workload.start(contended(3, "k8:", run.seed()), checker, SharedCounter.inMemory());
        runFor(workload, checker, run, CONTROL_BOUND, () -> !checker.overlaps().isEmpty());
        assertThat(checker.overlaps()).as("overlaps no client can prevent").isNotEmpty();
    }

    /** Runs the workload, reports it, and returns the keys its clients filled in after grants. */
    private static long runFor(Workload workload, MutualExclusionChecker checker, SafetySummary.Run run,
            Duration duration, BooleanSupplier done) {
        try (workload) {
            long end = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() - end < 0 && !done.getAsBoolean()) {
                Nodes.sleep(Duration.ofMillis(20));
            }
        }
        long created = 0;
        for (int i = 0; i < workload.settings().clients; i++) {
            created += workload.redlock(i).fillInCounts().created();
        }
        run.done(workload.sections(), 0, checker.overlaps().size(), checker.staleWrites().size(),
                workload.sections() + " sections, " + overlappedSections(checker) + " of them overlapped, "
                        + created + " keys filled in after grants");
        assertThat(workload.errors()).as("client errors").isEmpty();
        return created;
    }

    /** Sections that overlapped another. */
    private static long overlappedSections(MutualExclusionChecker checker) {
        return checker.overlaps().stream()
                .flatMap(overlap -> java.util.stream.Stream.of(overlap.earlier(), overlap.later()))
                .distinct().count();
    }
}
