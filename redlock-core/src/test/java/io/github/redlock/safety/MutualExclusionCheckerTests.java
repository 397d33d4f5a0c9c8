package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The checker itself, on synthetic histories: if it cannot find an overlap, no safety test means anything. */
class MutualExclusionCheckerTests {

    private final MutualExclusionChecker checker = new MutualExclusionChecker();

    @Test
    void disjointClaimsAreFine() {
        checker.record(new Grant("r", "a", 0, 100, 50));
        checker.record(new Grant("r", "b", 60, 200, 120));

        assertThat(checker.overlaps()).isEmpty();
    }

    @Test
    void touchingClaimsDoNotOverlap() {
        checker.record(new Grant("r", "a", 0, 100, 50));
        checker.record(new Grant("r", "b", 50, 200, 120));

        assertThat(checker.overlaps()).isEmpty();
    }

    @Test
    void anOverlapIsFoundAndNamesBothGrants() {
        Grant a = new Grant("r", "a", 0, 100, 80);
        Grant b = new Grant("r", "b", 79, 200, 120);
        checker.record(b);
        checker.record(a);

        assertThat(checker.overlaps()).containsExactly(new MutualExclusionChecker.Overlap(a, b));
        assertThat(checker.overlaps().get(0).toString()).contains("a@r", "b@r");
    }

    @Test
    void aLongClaimOverlappingALaterOneIsFoundPastShortOnesInBetween() {
        Grant longOne = new Grant("r", "a", 0, 1_000, 1_000);
        checker.record(longOne);
        checker.record(new Grant("r", "b", 10, 20, 20));
        Grant late = new Grant("r", "c", 500, 900, 600);
        checker.record(late);

        assertThat(checker.overlaps()).hasSize(2).anyMatch(o -> o.earlier() == longOne && o.later() == late);
    }

    @Test
    void expiredValidityEndsTheClaimEvenWithoutRelease() {
        checker.record(new Grant("r", "a", 0, 100, Long.MAX_VALUE));
        checker.record(new Grant("r", "b", 100, 300, 200));

        assertThat(checker.overlaps()).isEmpty();
    }

    @Test
    void differentResourcesNeverOverlap() {
        checker.record(new Grant("r1", "a", 0, 100, 100));
        checker.record(new Grant("r2", "b", 0, 100, 100));

        assertThat(checker.overlaps()).isEmpty();
    }

    @Test
    void workInsideItsOwnClaimIsNotStale() {
        checker.record(new Grant("r", "a", 0, 100, 50));
        checker.recordWork(new Work("r", "a", 0));
        checker.recordWork(new Work("r", "a", 50));

        assertThat(checker.staleWrites()).isEmpty();
    }

    @Test
    void workAfterValidityIsStaleAndNamesTheHolderItCollidedWith() {
        Grant paused = new Grant("r", "a", 0, 100, Long.MAX_VALUE);
        Grant next = new Grant("r", "b", 150, 400, 300);
        checker.record(paused);
        checker.record(next);
        checker.recordWork(new Work("r", "a", 200));

        assertThat(checker.overlaps()).as("a stale holder is not an overlap of claims").isEmpty();
        assertThat(checker.staleWrites()).singleElement().satisfies(stale -> {
            assertThat(stale.own()).isEqualTo(paused);
            assertThat(stale.holders()).containsExactly(next);
            assertThat(stale.toString()).contains("a@r", "b@r");
        });
    }

    @Test
    void workAfterReleaseOrWithoutAnyGrantIsStale() {
        checker.record(new Grant("r", "a", 0, 100, 50));
        checker.recordWork(new Work("r", "a", 51));
        checker.recordWork(new Work("r", "stranger", 10));

        assertThat(checker.staleWrites()).hasSize(2)
                .anySatisfy(stale -> assertThat(stale.own()).isNull());
    }

    @Test
    void workIsMatchedToTheWritersClaimOnTheSameResourceOnly() {
        checker.record(new Grant("r1", "a", 0, 100, 100));
        checker.record(new Grant("r2", "a", 200, 300, 300));
        checker.recordWork(new Work("r2", "a", 50));
        checker.recordWork(new Work("r1", "a", 250));
        checker.recordWork(new Work("r1", "a", 100));

        assertThat(checker.staleWrites()).extracting(stale -> stale.work().atNanos()).containsExactly(50L, 250L);
    }
}
