package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The fencing checker on synthetic histories: for each rule, one history it must pass and one
 * where it must find the violation. If it cannot, no fencing scenario means anything.
 */
class FencingCheckerTests {

    private final FencingChecker checker = new FencingChecker();

    private static FencedGrant grant(String client, long token, long start, long handout, long end) {
        return new FencedGrant("r", client, "o-" + client, token, start, handout, end);
    }

    private static StoreWrite write(String client, long token, boolean accepted, long sequence, long read) {
        return new StoreWrite("r", client, "o-" + client, token, accepted, sequence, read, read + 1);
    }

    // C1: Theorem A

    @Test
    void c1PassesGrowingTokensForSuccessiveGrants() {
        checker.record(grant("a", 10, 0, 5, 50));
        checker.record(grant("b", 20, 60, 70, 90));
        checker.record(grant("c", 30, 100, 110, 120));

        assertThat(checker.contractViolations()).isEmpty();
        assertThat(checker.contractPairs()).isEqualTo(3);
    }

    @Test
    void c1FindsALaterAttemptWithASmallerOrEqualTokenAndNamesBoth() {
        checker.record(grant("a", 40, 0, 5, 50));
        checker.record(grant("b", 20, 60, 70, 90));
        checker.record(grant("c", 40, 100, 110, 120));

        assertThat(checker.contractViolations()).hasSize(2)
                .allSatisfy(v -> assertThat(v.toString()).startsWith("C1: ").contains("a@r#40"))
                .anySatisfy(v -> assertThat(v.description()).startsWith("b@r#20"))
                .anySatisfy(v -> assertThat(v.description()).startsWith("c@r#40"));
    }

    @Test
    void c1IgnoresAttemptsThatOverlappedTheEarlierHandOutAndOtherResources() {
        // b's attempt began before a's token existed: their order is not promised (fencing.md 4.4).
        checker.record(grant("a", 40, 0, 50, 100));
        checker.record(grant("b", 20, 49, 60, 90));
        checker.record(new FencedGrant("other", "c", "o-c", 1, 200, 210, 220));

        assertThat(checker.contractViolations()).isEmpty();
        assertThat(checker.contractPairs()).isZero();
    }

    @Test
    void c1FindsTheViolationPastSmallerTokensInBetween() {
        checker.record(grant("big", 1_000, 0, 1, 2));
        checker.record(grant("x", 1_001, 10, 11, 12));
        checker.record(grant("y", 1_002, 20, 21, 22));
        checker.record(grant("late", 1_001, 30, 31, 32));

        assertThat(checker.contractViolations()).singleElement()
                .satisfies(v -> assertThat(v.description()).startsWith("late@r#1001").contains("y@r#1002"));
    }

    // C2: Corollary B

    @Test
    void c2PassesWhenEveryLeaseThatPassedOnGotALargerToken() {
        // b's attempt overlapped a's hand-out (so C1 does not compare them), but b was handed out after a's lease ended.
        checker.record(grant("a", 10, 0, 50, 80));
        checker.record(grant("b", 11, 40, 90, 120));

        assertThat(checker.leasePassedOnViolations()).isEmpty();
        assertThat(checker.contractPairs()).isZero();
    }

    @Test
    void c2FindsALeasePassedOnToASmallerToken() {
        checker.record(grant("a", 10, 0, 50, 80));
        checker.record(grant("b", 9, 40, 90, 120));

        assertThat(checker.contractViolations()).as("outside C1's premise").isEmpty();
        assertThat(checker.leasePassedOnViolations()).singleElement()
                .satisfies(v -> assertThat(v.toString()).startsWith("C2: b@r#9").contains("a@r#10"));
    }

    @Test
    void c2SkipsLeasesWhoseEndIsUnknown() {
        checker.record(FencedGrant.open("r", "a", "o-a", 10, 0, 50));
        checker.record(grant("b", 9, 40, 90, 120));

        assertThat(checker.leasePassedOnViolations()).isEmpty();
    }

    // S1: store order

    @Test
    void s1PassesGrowingTokensAndRepeatedWritesOfOneOwner() {
        checker.record(write("a", 10, true, 1, 0));
        checker.record(write("a", 10, true, 2, 1));
        checker.record(write("b", 20, true, 3, 2));
        checker.record(write("a", 10, false, 0, 2));

        assertThat(checker.storeOrderViolations()).isEmpty();
    }

    @Test
    void s1FindsALowerTokenAcceptedAfterAHigherOneAndAnEqualTokenOfAnotherOwner() {
        checker.record(write("b", 20, true, 1, 0));
        checker.record(write("a", 10, true, 2, 1));
        checker.record(write("c", 10, true, 3, 2));
        checker.record(new StoreWrite("r", "foreign", "", 0, true, 4, 3, 4));

        assertThat(checker.storeOrderViolations()).hasSize(3)
                .anySatisfy(v -> assertThat(v.description()).startsWith("a wrote").contains("b wrote"))
                .anySatisfy(v -> assertThat(v.description()).startsWith("c wrote"))
                .anySatisfy(v -> assertThat(v.description()).startsWith("foreign wrote"));
    }

    // S2: no stale write after a newer holder

    @Test
    void s2PassesWritesInTheOrderOfTheGrants() {
        checker.record(grant("a", 10, 0, 5, 50));
        checker.record(grant("b", 20, 60, 70, 90));
        checker.record(write("a", 10, true, 1, 0));
        checker.record(write("b", 20, true, 2, 1));
        checker.record(write("a", 10, false, 0, 1));

        assertThat(checker.staleWritesAfterNewer()).isEmpty();
    }

    @Test
    void s2FindsTheWriteOfAPausedHolderAcceptedAfterTheNextHoldersWrite() {
        checker.record(grant("a", 10, 0, 5, 50));
        checker.record(grant("b", 20, 60, 70, 90));
        checker.record(write("b", 20, true, 1, 0));
        checker.record(write("a", 10, true, 2, 0));

        assertThat(checker.staleWritesAfterNewer()).singleElement()
                .satisfies(v -> assertThat(v.toString()).startsWith("S2: a wrote").contains("b wrote", "a@r#10"));
    }

    @Test
    void s2DoesNotJudgeWritesOfGrantsThatOverlapped() {
        // b's attempt began before a's hand-out: the lock failed, the resource serialises them by token.
        checker.record(grant("a", 20, 0, 50, 100));
        checker.record(grant("b", 10, 40, 60, 90));
        checker.record(write("a", 20, true, 1, 0));
        checker.record(write("b", 10, true, 2, 1));

        assertThat(checker.staleWritesAfterNewer()).isEmpty();
        assertThat(checker.storeOrderViolations()).as("S1 still judges the tokens").hasSize(1);
    }

    // S3: no lost update

    @Test
    void s3PassesAChainOfIncrementsMatchingTheFinalValue() {
        checker.record(write("a", 10, true, 1, 0));
        checker.record(write("b", 20, true, 2, 1));
        checker.record(write("a", 10, false, 0, 0));
        checker.record(write("c", 30, true, 3, 2));

        assertThat(checker.lostUpdates(Map.of("r", 3L)::get)).isEmpty();
    }

    @Test
    void s3FindsAnUpdateBuiltOnAStaleRead() {
        checker.record(write("b", 20, true, 1, 0));
        checker.record(write("a", 10, true, 2, 0));

        assertThat(checker.lostUpdates(Map.of("r", 2L)::get)).singleElement()
                .satisfies(v -> assertThat(v.description()).startsWith("a wrote").contains("lost"));
        assertThat(checker.lostUpdates(Map.of("r", 1L)::get)).as("and the final value short of the count")
                .hasSize(2);
    }

    @Test
    void s3FindsAGapInTheStoreOrderAndAMissingCounter() {
        checker.record(write("a", 10, true, 1, 0));
        checker.record(write("b", 20, true, 3, 1));

        assertThat(checker.lostUpdates(r -> null)).hasSize(2)
                .anySatisfy(v -> assertThat(v.description()).contains("misses an accepted write"))
                .anySatisfy(v -> assertThat(v.description()).contains("is null after 2"));
    }

    // history lines

    @Test
    void historyLinesRoundTrip() {
        FencedGrant grant = grant("a", 1_796_439_980_801_027L, 1, 2, 3);
        StoreWrite write = new StoreWrite("r", "a", "", 0, false, 0, 5, 6);

        int recorded = checker.recordLines(java.util.List.of(grant.line(), "WORK\tx", write.line()));

        assertThat(recorded).isEqualTo(2);
        assertThat(checker.grants()).containsExactly(grant);
        assertThat(checker.writes()).containsExactly(write);
        assertThat(checker.refusedWrites()).containsExactly(write);
    }
}
