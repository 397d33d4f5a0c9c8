package io.github.redlock.benchmarks;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Warm-up rounds until the JIT is idle: at least 3 rounds, at most 10, ending after a round in which
 * the JIT compiled for less than a given time (when the JVM reports compilation time; else after 3).
 */
final class JitWarmUp {

    private static final int MIN_ROUNDS = 3;
    private static final int MAX_ROUNDS = 10;

    /** One warm-up round; {@code index} counts from 0. */
    interface Round {
        void run(int index) throws InterruptedException;
    }

    /**
     * @param rounds how many rounds ran
     * @param idle whether the JIT was idle at the end, false when the cap ended the warm-up
     */
    record Result(int rounds, boolean idle) {

        /** What the warm-up's line adds: nothing, or that the cap ended it. */
        String capNote() {
            return idle ? "" : " (the cap: the JIT was still compiling)";
        }
    }

    private JitWarmUp() {
    }

    /** Runs {@code round} until a round's compilation took less than {@code idleBelowMillis}, within the bounds above. */
    static Result run(Round round, long idleBelowMillis) throws InterruptedException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean jitTimed = jit != null && jit.isCompilationTimeMonitoringSupported();
        int rounds = 0;
        boolean idle = false;
        while (rounds < MAX_ROUNDS && !idle) {
            long compiledBefore = jitTimed ? jit.getTotalCompilationTime() : 0;
            round.run(rounds++);
            long compiledMillis = jitTimed ? jit.getTotalCompilationTime() - compiledBefore : 0;
            idle = rounds >= MIN_ROUNDS && compiledMillis < idleBelowMillis;
        }
        return new Result(rounds, idle);
    }
}
