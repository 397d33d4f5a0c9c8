package io.github.redlock.spring.boot.actuate;

import io.github.redlock.Lease;
import io.github.redlock.Redlock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The read-only {@code redlock} endpoint ({@code /actuator/redlock}): the configured nodes
 * (addresses without passwords), the quorum, and the leases this instance holds now. Lease values
 * (the locks' secrets) are never shown.
 */
@Endpoint(id = "redlock")
public class RedlockEndpoint {

    private final Redlock redlock;

    public RedlockEndpoint(Redlock redlock) {
        this.redlock = redlock;
    }

    @ReadOperation
    public RedlockDescriptor redlock() {
        List<LeaseDescriptor> leases = redlock.heldLeases().stream()
                .sorted(Comparator.comparing(Lease::acquiredAt))
                .map(lease -> new LeaseDescriptor(lease.resource(), lease.acquiredAt(), lease.remaining().toMillis(),
                        lease.nodes()))
                .toList();
        return new RedlockDescriptor(redlock.nodes(), redlock.quorum(), leases);
    }

    /**
     * What the endpoint shows.
     *
     * @param nodes the configured nodes, passwords removed
     * @param quorum how many nodes must grant a lock
     * @param leases the leases held by this instance
     */
    public record RedlockDescriptor(List<String> nodes, int quorum, List<LeaseDescriptor> leases) {
    }

    /**
     * One held lease.
     *
     * @param resource the locked resource (without key prefix)
     * @param since when it was acquired (or last extended), wall clock
     * @param validityLeftMillis how long it remains valid
     * @param nodes on how many nodes it was last known to stand ({@code Lease.nodes()}): more as
     *        nodes are filled in after the grant, fewer when a renewal or check finds nodes with
     *        another value, an error or no answer
     */
    public record LeaseDescriptor(String resource, Instant since, long validityLeftMillis, int nodes) {
    }
}
