package io.github.redlock.safety;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Judges a history of fenced grants and guarded-store writes against the fencing contract
 * ({@code shared/notes/fencing.md} §4, §12.3). Thread-safe for recording.
 *
 * <ul>
 *   <li><b>C1, the contract (Theorem A):</b> for grants G1, G2 of one resource with
 *       {@code attemptStart(G2) > handout(G1)}, {@code T2 > T1}. Computed in O(n log n): prefix
 *       maximum of tokens by hand-out time, binary search by attempt start.</li>
 *   <li><b>C2, the lease passed on (Corollary B):</b> for G2 handed out after G1's lease ended
 *       (release invoked or validity over), {@code T2 > T1}. Reported separately: it also rests
 *       on assumption (iii), no node of the intersection losing G2's key during G2's attempt.</li>
 *   <li><b>S1, store order:</b> the store's accepted writes, in its own order, carry
 *       non-decreasing tokens, and equal tokens only with equal owners (this checks the guard).</li>
 *   <li><b>S2, no stale write after a newer holder:</b> no accepted write of G1 comes after an
 *       accepted write of G2 where {@code attemptStart(G2) > handout(G1)}.</li>
 *   <li><b>S3, no lost update:</b> the accepted writes of a resource form a chain from 0 (each reads
 *       what the previous one wrote, and writes one more), their store order numbers are 1..n
 *       without a gap, and the final value equals their number.</li>
 * </ul>
 */
public final class FencingChecker {

    /** One broken rule, with the grants or writes involved. */
    public record Violation(String rule, String description) {
        @Override
        public String toString() {
            return rule + ": " + description;
        }
    }

    private final ConcurrentLinkedQueue<FencedGrant> grants = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<StoreWrite> writes = new ConcurrentLinkedQueue<>();

    public void record(FencedGrant grant) {
        grants.add(grant);
    }

    public void record(StoreWrite write) {
        writes.add(write);
    }

    /** Records the FGRANT and FWRITE lines among {@code lines}; returns how many it recorded. */
    public int recordLines(List<String> lines) {
        int recorded = 0;
        for (String line : lines) {
            if (FencedGrant.isLine(line)) {
                record(FencedGrant.parse(line));
                recorded++;
            } else if (StoreWrite.isLine(line)) {
                record(StoreWrite.parse(line));
                recorded++;
            }
        }
        return recorded;
    }

    public List<FencedGrant> grants() {
        return List.copyOf(grants);
    }

    public List<StoreWrite> writes() {
        return List.copyOf(writes);
    }

    /** C1: pairs whose second attempt started after the first token was handed out, but without a larger token. */
    public List<Violation> contractViolations() {
        return ordered("C1", FencedGrant::handoutNanos, FencedGrant::attemptStartNanos,
                "started after the token of %s was handed out, yet got %d");
    }

    /** C2: pairs whose second token was handed out after the first lease ended, but is not larger. */
    public List<Violation> leasePassedOnViolations() {
        return ordered("C2", FencedGrant::leaseEndNanos, FencedGrant::handoutNanos,
                "was handed out after the lease of %s ended, yet got %d");
    }

    /** How many ordered pairs C1 compared (the premise {@code attemptStart(G2) > handout(G1)} held). */
    public long contractPairs() {
        long pairs = 0;
        for (List<FencedGrant> list : byResource().values()) {
            long[] handouts = list.stream().mapToLong(FencedGrant::handoutNanos).sorted().toArray();
            for (FencedGrant later : list) {
                pairs += countBelow(handouts, later.attemptStartNanos());
            }
        }
        return pairs;
    }

    /**
     * For every pair with {@code before(G1) < after(G2)}, requires {@code T2 > T1}: sorts by
     * {@code before}, keeps the grant with the largest token among each prefix, and compares each
     * G2 with the prefix of grants before its {@code after} time.
     */
    private List<Violation> ordered(String rule, ToLongFunction<FencedGrant> before, ToLongFunction<FencedGrant> after,
            String format) {
        List<Violation> violations = new ArrayList<>();
        for (List<FencedGrant> list : byResource().values()) {
            List<FencedGrant> sorted = new ArrayList<>(list);
            sorted.sort(Comparator.comparingLong(before));
            long[] times = sorted.stream().mapToLong(before).toArray();
            FencedGrant[] prefixMax = new FencedGrant[sorted.size()];
            for (int i = 0; i < sorted.size(); i++) {
                FencedGrant g = sorted.get(i);
                prefixMax[i] = i == 0 || g.token() > prefixMax[i - 1].token() ? g : prefixMax[i - 1];
            }
            for (FencedGrant later : list) {
                int count = countBelow(times, after.applyAsLong(later));
                if (count > 0 && prefixMax[count - 1].token() >= later.token()) {
                    violations.add(new Violation(rule, later + " " + String.format(format, prefixMax[count - 1],
                            later.token())));
                }
            }
        }
        return violations;
    }

    /** The number of values in the sorted array strictly below {@code bound}. */
    private static int countBelow(long[] sorted, long bound) {
        int low = 0;
        int high = sorted.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (sorted[mid] < bound) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /** S1: accepted writes whose token is lower than an earlier accepted one, or equal with another owner. */
    public List<Violation> storeOrderViolations() {
        List<Violation> violations = new ArrayList<>();
        for (List<StoreWrite> accepted : acceptedByResource().values()) {
            for (int i = 1; i < accepted.size(); i++) {
                StoreWrite previous = accepted.get(i - 1);
                StoreWrite write = accepted.get(i);
                if (write.token() < previous.token()
                        || (write.token() == previous.token() && !write.owner().equals(previous.owner()))) {
                    violations.add(new Violation("S1", write + " after " + previous));
                }
            }
        }
        return violations;
    }

    /** S2: accepted writes of a grant after an accepted write of a grant whose attempt began after its hand-out. */
    public List<Violation> staleWritesAfterNewer() {
        Map<String, FencedGrant> byOwner = new HashMap<>();
        grants.forEach(grant -> byOwner.put(grant.resource() + "\t" + grant.owner(), grant));
        List<Violation> violations = new ArrayList<>();
        for (List<StoreWrite> accepted : acceptedByResource().values()) {
            FencedGrant newest = null;
            StoreWrite newestWrite = null;
            for (StoreWrite write : accepted) {
                FencedGrant grant = byOwner.get(write.resource() + "\t" + write.owner());
                if (grant == null) {
                    continue;
                }
                if (newest != null && newestWrite != null && newest.attemptStartNanos() > grant.handoutNanos()) {
                    violations.add(new Violation("S2", write + " of " + grant + " after " + newestWrite + " of "
                            + newest + ", whose attempt started after the stale token was handed out"));
                }
                if (newest == null || grant.attemptStartNanos() > newest.attemptStartNanos()) {
                    newest = grant;
                    newestWrite = write;
                }
            }
        }
        return violations;
    }

    /**
     * S3: a lost update or an incomplete history. {@code finalValue} gives the store's counter of
     * a resource at the end (null for a resource it has no counter of).
     */
    public List<Violation> lostUpdates(java.util.function.Function<String, @Nullable Long> finalValue) {
        List<Violation> violations = new ArrayList<>();
        for (Map.Entry<String, List<StoreWrite>> entry : acceptedByResource().entrySet()) {
            long expected = 0;
            long sequence = 0;
            for (StoreWrite write : entry.getValue()) {
                sequence++;
                if (write.sequence() != sequence) {
                    violations.add(new Violation("S3", "store order " + write.sequence() + " where " + sequence
                            + " was expected: the history misses an accepted write of " + entry.getKey()));
                    sequence = write.sequence();
                }
                if (write.valueRead() != expected) {
                    violations.add(new Violation("S3", write + " read " + write.valueRead()
                            + " but the previous accepted write left " + expected + ": that update is lost"));
                }
                if (write.valueWritten() != write.valueRead() + 1) {
                    violations.add(new Violation("S3", write + " is not an increment"));
                }
                expected = write.valueWritten();
            }
            Long value = finalValue.apply(entry.getKey());
            long count = entry.getValue().size();
            if (value == null || value != count) {
                violations.add(new Violation("S3", "the counter of " + entry.getKey() + " is " + value + " after "
                        + count + " accepted increments"));
            }
        }
        return violations;
    }

    /** Writes the guard refused: the vacuity guard of a fault scenario wants at least one. */
    public List<StoreWrite> refusedWrites() {
        return writes.stream().filter(write -> !write.accepted()).toList();
    }

    /** Every store rule at once (S1, S2, S3). */
    public List<Violation> storeViolations(java.util.function.Function<String, @Nullable Long> finalValue) {
        List<Violation> all = new ArrayList<>(storeOrderViolations());
        all.addAll(staleWritesAfterNewer());
        all.addAll(lostUpdates(finalValue));
        return all;
    }

    private Map<String, List<FencedGrant>> byResource() {
        return grants.stream().collect(Collectors.groupingBy(FencedGrant::resource));
    }

    private Map<String, List<StoreWrite>> acceptedByResource() {
        Map<String, List<StoreWrite>> map = writes.stream().filter(StoreWrite::accepted)
                .collect(Collectors.groupingBy(StoreWrite::resource));
        map.values().forEach(list -> list.sort(Comparator.comparingLong(StoreWrite::sequence)));
        return map;
    }
}
