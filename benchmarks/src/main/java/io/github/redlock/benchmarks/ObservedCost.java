package io.github.redlock.benchmarks;

import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.BiPredicate;
import org.jspecify.annotations.Nullable;

/**
 * What meters and lock observations add to a {@code @DistributedLock} call over loopback, for
 * {@code PairedCheck --observed}: one thread calls each side ({@link ObservedSide}: one context,
 * telemetry turned on or off per call) with and without its telemetry, in turns whose order changes
 * every turn, so that each call with telemetry has a call without it of the same side next to it in
 * time. The cost of a side is the median of its per-turn differences (with minus without); its 95 %
 * interval is a bootstrap over blocks of {@link #BLOCK} consecutive turns (1,000 resamples), which
 * keeps the machine's slow and fast stretches together. With two sides (the current jar and a
 * baseline jar, each in a class loader of its own, same nodes, same thread, same moments), the ratio
 * of their costs comes with its own interval from the same resamples.
 */
final class ObservedCost {

    static final int BLOCK = 100;
    private static final int RESAMPLES = 1_000;

    private final List<String> names;
    private final List<BiPredicate<String, Boolean>> sides;
    private final List<ClassLoader> loaders;
    private final long[][] differences;
    private int turns;
    private long failures;
    private long sequence;

    private ObservedCost(List<String> names, List<BiPredicate<String, Boolean>> sides, List<ClassLoader> loaders) {
        this.names = names;
        this.sides = sides;
        this.loaders = loaders;
        this.differences = new long[sides.size()][1 << 16];
    }

    /** Loads {@link ObservedSide} from {@code jar} in a class loader of its own and starts it on {@code uris}. */
    @SuppressWarnings("unchecked")
    static BiPredicate<String, Boolean> load(Path jar, List<String> uris, List<ClassLoader> loaders) {
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        try {
            URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            loaders.add(loader);
            Thread.currentThread().setContextClassLoader(loader);
            Class<?> side = Class.forName(ObservedSide.class.getName(), true, loader);
            return (BiPredicate<String, Boolean>) side.getConstructor(List.class).newInstance(uris);
        } catch (MalformedURLException | ReflectiveOperationException e) {
            throw new IllegalStateException("cannot start ObservedSide from " + jar, e);
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    /** This jar (or classes folder) of the benchmarks. */
    static Path ownJar() {
        try {
            return Path.of(ObservedCost.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Measures the current side alone, or with {@code baseline} (a benchmarks jar with an
     * ObservedSide, see benchmarks/baseline/build.sh) beside it, and prints one line per side and one
     * for the ratio.
     */
    static void run(List<String> uris, int nodes, int rounds, @Nullable Path baseline)
            throws Exception {
        List<String> names = new ArrayList<>();
        List<BiPredicate<String, Boolean>> sides = new ArrayList<>();
        List<ClassLoader> loaders = new ArrayList<>();
        try {
            if (baseline != null) {
                names.add("baseline");
                sides.add(load(baseline, uris, loaders));
            }
            names.add("current");
            sides.add(load(ownJar(), uris, loaders));
            new ObservedCost(names, sides, loaders).measure(nodes, rounds);
        } finally {
            for (BiPredicate<String, Boolean> side : sides) {
                ((AutoCloseable) side).close();
            }
            // The class loaders stay open: Boot's shutdown hook of each context still loads classes from them.
        }
    }

    private void measure(int nodes, int rounds) throws InterruptedException {
        JitWarmUp.Result warmUp = JitWarmUp.run(index -> round(false), 40L * sides.size());
        System.out.printf(Locale.ROOT, "warm-up: %d rounds of %s, with and without telemetry%s%n", warmUp.rounds(), names,
                warmUp.capNote());
        for (int r = 0; r < rounds; r++) {
            round(true);
        }
        report(nodes);
    }

    /** 2 s per side: turns of each side's call with and without telemetry, in an order that changes every turn. */
    private void round(boolean measure) {
        List<Integer> calls = new ArrayList<>();
        for (int i = 0; i < 2 * sides.size(); i++) {
            calls.add(i);
        }
        long[] latency = new long[calls.size()];
        boolean[] ok = new boolean[calls.size()];
        long end = System.nanoTime() + sides.size() * 2_000_000_000L;
        // Each call runs with its side's class loader as the thread's context class loader; the thread's
        // own is put back after the round.
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        try {
            for (int turn = 0; System.nanoTime() - end < 0; turn++) {
                for (int call : PairedCheck.order(calls, turn)) {
                    int side = call / 2;
                    boolean telemetry = call % 2 == 1;
                    Thread.currentThread().setContextClassLoader(loaders.get(side));
                    long t0 = System.nanoTime();
                    try {
                        ok[call] = sides.get(side).test("observed:" + sequence++, telemetry);
                    } catch (RuntimeException e) {
                        ok[call] = false;
                    }
                    latency[call] = System.nanoTime() - t0;
                }
                if (measure) {
                    record(latency, ok);
                }
            }
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    private void record(long[] latency, boolean[] ok) {
        for (boolean granted : ok) {
            if (!granted) {
                failures++;
                return;
            }
        }
        if (turns == differences[0].length) {
            for (int s = 0; s < differences.length; s++) {
                differences[s] = Arrays.copyOf(differences[s], turns * 2);
            }
        }
        for (int s = 0; s < differences.length; s++) {
            differences[s][turns] = latency[2 * s + 1] - latency[2 * s];
        }
        turns++;
    }

    private void report(int nodes) {
        int blocks = turns / BLOCK;
        if (blocks < 2) {
            System.out.println("paired observed: too few turns measured (" + turns + ")");
            return;
        }
        int used = blocks * BLOCK;
        double[][] resampled = new double[sides.size()][RESAMPLES];
        SplittableRandom random = new SplittableRandom(22);
        long[] pool = new long[used];
        int[] picks = new int[blocks];
        for (int r = 0; r < RESAMPLES; r++) {
            for (int b = 0; b < blocks; b++) {
                picks[b] = random.nextInt(blocks);
            }
            for (int s = 0; s < sides.size(); s++) {
                for (int b = 0; b < blocks; b++) {
                    System.arraycopy(differences[s], picks[b] * BLOCK, pool, b * BLOCK, BLOCK);
                }
                resampled[s][r] = median(pool) / 1e3;
            }
        }
        double[] cost = new double[sides.size()];
        for (int s = 0; s < sides.size(); s++) {
            cost[s] = median(Arrays.copyOf(differences[s], used)) / 1e3;
            double[] blockMedians = new double[blocks];
            for (int b = 0; b < blocks; b++) {
                blockMedians[b] = median(Arrays.copyOfRange(differences[s], b * BLOCK, (b + 1) * BLOCK)) / 1e3;
            }
            Arrays.sort(blockMedians);
            Arrays.sort(resampled[s]);
            System.out.printf(Locale.ROOT, "paired observed, %d nodes, 1 thread, %s: meters and observations add %+.1f µs"
                    + " per call (median of %d per-turn differences; 95%% interval %+.1f to %+.1f µs; medians of blocks"
                    + " of %d turns: quartiles %+.1f / %+.1f / %+.1f µs)%n", nodes, names.get(s), cost[s], used,
                    quantile(resampled[s], 0.025), quantile(resampled[s], 0.975), BLOCK, quantile(blockMedians, 0.25),
                    quantile(blockMedians, 0.5), quantile(blockMedians, 0.75));
        }
        if (sides.size() == 2) {
            ratioReport(blocks, used, cost);
        }
        if (failures > 0) {
            System.out.printf(Locale.ROOT, "paired WARNING: %d turns had a call refused or failing (left out)%n", failures);
        }
    }

    /** The current side's cost over the baseline's, with a 95 % interval from resampled blocks (the same blocks for both). */
    private void ratioReport(int blocks, int used, double[] cost) {
        SplittableRandom random = new SplittableRandom(23);
        double[] ratios = new double[RESAMPLES];
        long[] pool = new long[used];
        int[] picks = new int[blocks];
        for (int r = 0; r < RESAMPLES; r++) {
            for (int b = 0; b < blocks; b++) {
                picks[b] = random.nextInt(blocks);
            }
            double[] median = new double[2];
            for (int s = 0; s < 2; s++) {
                for (int b = 0; b < blocks; b++) {
                    System.arraycopy(differences[s], picks[b] * BLOCK, pool, b * BLOCK, BLOCK);
                }
                median[s] = median(pool);
            }
            ratios[r] = median[1] / median[0];
        }
        Arrays.sort(ratios);
        System.out.printf(Locale.ROOT, "paired observed: current ÷ baseline %.2f (95%% interval %.2f to %.2f): %s%n",
                cost[1] / cost[0], quantile(ratios, 0.025), quantile(ratios, 0.975),
                quantile(ratios, 0.975) <= 0.5 ? "at most half" : cost[1] / cost[0] <= 0.5 ? "half or less, not surely"
                        : "more than half");
    }

    /** The median of {@code values}, sorting them. */
    private static double median(long[] values) {
        Arrays.sort(values);
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
    }

    private static double quantile(double[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }
}
