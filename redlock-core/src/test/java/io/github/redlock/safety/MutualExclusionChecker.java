package io.github.redlock.safety;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;

/**
 * Finds two holders claiming the same resource at once. A claim is
 * {@code [acquired, min(releaseInvoked, validUntil)]}; claims are sorted per resource and swept
 * with the latest end so far, so any overlap is found and named. Intervals that only touch
 * (one ends exactly when the next starts) do not overlap. Thread-safe for recording.
 */
public final class MutualExclusionChecker {

    /** Two grants whose claims overlap. */
    public record Overlap(Grant earlier, Grant later) {
        @Override
        public String toString() {
            return later + " started before " + earlier + " ended";
        }
    }

    private final ConcurrentLinkedQueue<Grant> grants = new ConcurrentLinkedQueue<>();

    public void record(Grant grant) {
        grants.add(grant);
    }

    public int size() {
        return grants.size();
    }

    public List<Grant> grants() {
        return List.copyOf(grants);
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
}
