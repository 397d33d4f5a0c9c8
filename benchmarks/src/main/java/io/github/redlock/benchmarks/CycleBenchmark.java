package io.github.redlock.benchmarks;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Uncontended lock/release cycles: every operation locks a fresh resource name (a counter per
 * thread), so no two operations ever compete. Sampled latency gives p50/p99; with T threads in a
 * closed loop, throughput is T / mean latency. Run with {@code -t 1} and {@code -t 16}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 2)
public class CycleBenchmark {

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final Runnable NOTHING = () -> { };

    /** The client under test and the nodes it talks to, for one trial. */
    @State(Scope.Benchmark)
    public static class Target {

        /**
         * Which client: engine, limit, redissonRedLock, redissonLock (nodes=1), springIntegration (nodes=1),
         * springDirect, springAdvice, springObserved.
         */
        @Param({"engine", "limit", "redissonRedLock"})
        public String impl;

        /** How many independent redis-server nodes. */
        @Param({"1", "3", "5"})
        public int nodes;

        Deployment deployment;
        LockTarget target;
        final LongAdder refused = new LongAdder();
        final LongAdder errors = new LongAdder();

        String shape;

        @Setup(Level.Trial)
        public void start(BenchmarkParams params) {
            shape = impl + " (" + nodes + " nodes, " + params.getThreads() + " threads)";
            deployment = Deployment.start(impl, nodes);
            target = deployment.target();
        }

        @TearDown(Level.Trial)
        public void stop() {
            if (refused.sum() > 0) {
                System.out.println("WARNING: " + shape + ": " + refused.sum() + " uncontended cycles were not granted");
            }
            if (errors.sum() > 0) {
                System.out.println("WARNING: " + shape + ": " + errors.sum() + " cycles threw (timeouts under load?)");
            }
            deployment.close();
        }
    }

    /** Fresh resource names for one thread. */
    @State(Scope.Thread)
    public static class Names {
        private final String prefix = "bench:" + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ":" + THREADS.incrementAndGet() + ":";
        private long next;

        String next() {
            return prefix + next++;
        }
    }

    /**
     * One cycle. A client that throws (Redisson and Spring Integration report a node timeout that
     * way; the engine returns "not granted") is counted, not allowed to end the trial.
     */
    @Benchmark
    public boolean cycle(Target target, Names names) {
        boolean granted;
        try {
            granted = target.target.cycle(names.next(), NOTHING);
        } catch (RuntimeException e) {
            target.errors.increment();
            return false;
        }
        if (!granted) {
            target.refused.increment();
        }
        return granted;
    }
}
