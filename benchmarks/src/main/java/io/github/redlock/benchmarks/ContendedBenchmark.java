package io.github.redlock.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One resource, contended by every thread: each operation tries once to lock it (no waiting),
 * runs a short critical section if granted, and releases; a refused thread pauses 0.1 ms. The score that matters is
 * {@code acquired}: successful critical sections per second. The critical section also checks
 * that no two threads are ever inside at once.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(8)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 2)
public class ContendedBenchmark {

    static final String RESOURCE = "bench:contended";

    /**
     * Pause after a refused try, as any retry loop would. Without it, a client whose refusal is
     * local and free (Spring Integration's in-JVM lock) spins 7 threads on 2 cores and starves
     * the lock holder and the I/O threads.
     */
    static final long BACKOFF_NANOS = 100_000;

    /** The client under test, the nodes, and the mutual-exclusion check. */
    @State(Scope.Benchmark)
    public static class Target {

        /**
         * Which client: engine, limit, redissonRedLock, redissonLock (nodes=1), springIntegration (nodes=1),
         * springDirect, springAdvice, springObserved.
         */
        @Param({"engine", "limit", "redissonRedLock"})
        public String impl;

        /** How many independent redis-server nodes. */
        @Param({"5"})
        public int nodes;

        Deployment deployment;
        LockTarget target;
        final AtomicInteger inside = new AtomicInteger();
        final LongAdder overlaps = new LongAdder();
        final Runnable section = () -> {
            if (inside.incrementAndGet() != 1) {
                overlaps.increment();
            }
            Blackhole.consumeCPU(256);
            inside.decrementAndGet();
        };

        String shape;

        @Setup(Level.Trial)
        public void start(BenchmarkParams params) {
            shape = impl + " (" + nodes + " nodes, " + params.getThreads() + " threads)";
            deployment = Deployment.start(impl, nodes);
            target = deployment.target();
        }

        @TearDown(Level.Trial)
        public void stop() {
            if (overlaps.sum() > 0) {
                System.out.println("WARNING: " + shape + ": " + overlaps.sum() + " overlapping critical sections");
            }
            deployment.close();
        }
    }

    /** Outcomes per second, reported by JMH as secondary results. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Outcomes {
        public long acquired;
        public long refused;
        public long errors;

        @Setup(Level.Iteration)
        public void reset() {
            acquired = 0;
            refused = 0;
            errors = 0;
        }
    }

    /** One attempt; a client that throws (a node timeout, for some clients) counts as an error. */
    @Benchmark
    public void contended(Target target, Outcomes outcomes) {
        try {
            if (target.target.cycle(RESOURCE, target.section)) {
                outcomes.acquired++;
            } else {
                outcomes.refused++;
                LockSupport.parkNanos(BACKOFF_NANOS);
            }
        } catch (RuntimeException e) {
            outcomes.errors++;
            LockSupport.parkNanos(BACKOFF_NANOS);
        }
    }
}
