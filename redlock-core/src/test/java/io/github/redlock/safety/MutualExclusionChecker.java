package io.github.redlock.safety;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Finds two holders claiming the same resource at once. A claim is
 * {@code [acquired, min(releaseInvoked, validUntil)]}; claims are sorted per resource and swept
 * with the latest end so far, so any overlap is found and named. Intervals that only touch
 * (one ends exactly when the next starts) do not overlap. Thread-safe for recording.
 *
 * <p>It also finds <em>stale writes</em>: work done by a client outside every claim it had on
 * that resource, typically after a pause longer than its lease's validity. A stale write is not
 * an overlap of claims, since the lock's promise ended with the validity, but it is damage that
 * only a fencing token checked by the resource could prevent. The checker names the holders
 * whose claims the stale write fell into.
 */
public final class MutualExclusionChecker {

    /** Two grants whose claims overlap. */
    public record Overlap(Grant earlier, Grant later) {
        @Override
        public String toString() {
            return later + " started before " + earlier + " ended";
        }
    }

    /**
     * A write outside the writer's claims.
     *
     * @param work the write
     * @param own the writer's latest grant on that resource acquired before the write, if any
     * @param holders other clients' grants whose claims contain the write
     */
    public record StaleWrite(Work work, @Nullable Grant own, List<Grant> holders) {
        @Override
        public String toString() {
            return work + (own == null ? " without ever holding it" : " after its claim " + own + " ended")
                    + (holders.isEmpty() ? "" : ", while " + holders + " held it");
        }
    }

    private final ConcurrentLinkedQueue<Grant> grants = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Work> works = new ConcurrentLinkedQueue<>();

    public void record(Grant grant) {
        grants.add(grant);
    }

    public void recordWork(Work work) {
        works.add(work);
    }

    public int size() {
        return grants.size();
    }

    public List<Grant> grants() {
        return List.copyOf(grants);
    }

    public List<Work> works() {
        return List.copyOf(works);
    }

    public List<Overlap> overlaps() {
        Map<String, List<Grant>> byResource = grants.stream().collect(Collectors.groupingBy(Grant::resource));
        List<Overlap> overlaps = new ArrayList<>();
        for (List<Grant> claims : byResource.values()) {
            claims.sort(Comparator.comparingLong(Grant::acquiredNanos));
            Grant latest = null;
            for (Grant claim : claims) {
                if (latest != null && claim.acquiredNanos() < latest.claimEndNanos()) {
                    overlaps.add(new Overlap(latest, claim));
                }
                if (latest == null || claim.claimEndNanos() > latest.claimEndNanos()) {
                    latest = claim;
                }
            }
        }
        return overlaps;
    }

    /**
     * Writes that no claim of their writer covers ({@code acquired <= at <= claimEnd}), in the
     * order recorded.
     */
    public List<StaleWrite> staleWrites() {
        Map<String, List<Grant>> byResource = grants.stream().collect(Collectors.groupingBy(Grant::resource));
        List<StaleWrite> stale = new ArrayList<>();
        for (Work work : works) {
            List<Grant> claims = byResource.getOrDefault(work.resource(), List.of());
            boolean covered = false;
            Grant own = null;
            List<Grant> holders = new ArrayList<>();
            for (Grant claim : claims) {
                boolean contains = claim.acquiredNanos() <= work.atNanos() && work.atNanos() <= claim.claimEndNanos();
                if (claim.client().equals(work.client())) {
                    covered |= contains;
                    if (claim.acquiredNanos() <= work.atNanos()
                            && (own == null || claim.acquiredNanos() > own.acquiredNanos())) {
                        own = claim;
                    }
                } else if (contains) {
                    holders.add(claim);
                }
            }
            if (!covered) {
                stale.add(new StaleWrite(work, own, List.copyOf(holders)));
            }
        }
        return stale;
    }
}
