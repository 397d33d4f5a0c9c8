package io.github.redlock.safety;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.safety.FencingModel.Protocol;
import io.github.redlock.safety.FencingModel.Settings;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The randomized model check of fencing.md §6.5 ({@link FencingModel}): thousands of random
 * schedules of the protocol in virtual time, judged by the {@link FencingChecker}. Configurations
 * inside the protocol's assumptions must show no violation; the variants that drop a part of it
 * (the write-back, the time floor) must show some, or the check proves nothing. Seeds are fixed, so
 * each line is deterministic.
 */
class FencingModelCheckTests {

    private static final int SEEDS = 10;
    private static final long RUN = 3_000_000;

    private static FencingModel.Outcome check(String name, Settings settings) {
        int grants = 0;
        int violations = 0;
        for (long seed = 1; seed <= SEEDS; seed++) {
            FencingModel.Outcome outcome = FencingModel.run(settings, seed);
            grants += outcome.grants();
            violations += outcome.violations();
        }
        System.out.println(String.format(Locale.ROOT, "[fencing] model check, %s: %d grants, %d C1 violations", name,
                grants, violations));
        return new FencingModel.Outcome(grants, violations);
    }

    @Test
    void twoPhaseWithTheFloorHoldsUnderDelaysLossSkewAndPauses() {
        FencingModel.Outcome outcome = check("two-phase + floor, skew 20 ms, 3 nodes",
                new Settings(3, 5, Protocol.TWO_PHASE, true, 20_000, 0, RUN));

        assertThat(outcome.grants()).isGreaterThan(500);
        assertThat(outcome.violations()).isZero();
    }

    @Test
    void twoPhaseWithoutTheFloorHoldsWhileNoNodeRestarts() {
        FencingModel.Outcome outcome = check("two-phase, no floor, no restarts, 5 nodes",
                new Settings(5, 5, Protocol.TWO_PHASE, false, 0, 0, RUN));

        assertThat(outcome.grants()).isGreaterThan(500);
        assertThat(outcome.violations()).isZero();
    }

    @Test
    void twoPhaseWithTheFloorHoldsWhenRestartedNodesStayDownLongerThanTheSkew() {
        FencingModel.Outcome outcome = check("two-phase + floor, skew 20 ms, restarts 30 ms down, 3 nodes",
                new Settings(3, 5, Protocol.TWO_PHASE, true, 20_000, 30_000, RUN));

        assertThat(outcome.grants()).isGreaterThan(500);
        assertThat(outcome.violations()).isZero();
    }

    @Test
    void negativeControlCountersWithoutTheWriteBackBreakTheContract() {
        FencingModel.Outcome outcome = check("no phase 2, no floor (negative control)",
                new Settings(3, 5, Protocol.NO_PHASE_2, false, 0, 0, RUN));

        assertThat(outcome.violations()).isPositive();
    }

    @Test
    void negativeControlTheFloorWithoutTheWriteBackBreaksUnderSkew() {
        FencingModel.Outcome outcome = check("no phase 2, floor, skew 20 ms (negative control)",
                new Settings(3, 5, Protocol.NO_PHASE_2, true, 20_000, 0, RUN));

        assertThat(outcome.violations()).isPositive();
    }

    @Test
    void negativeControlWithoutTheFloorImmediateRestartsBreakTheContract() {
        FencingModel.Outcome outcome = check("two-phase, no floor, restarts 1 ms down (negative control)",
                new Settings(3, 5, Protocol.TWO_PHASE, false, 0, 1_000, RUN));

        assertThat(outcome.violations()).isPositive();
    }

    @Test
    void writeBackNotAwaitedIsReported() {
        FencingModel.Outcome outcome = check("write-back not awaited (figure only)",
                new Settings(3, 5, Protocol.WRITE_BACK_NOT_AWAITED, false, 0, 0, RUN));

        assertThat(outcome.grants()).isGreaterThan(500);
    }
}
