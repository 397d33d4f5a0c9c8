package io.github.redlock.safety;

import io.github.redlock.Lease;
import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.Redlock;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One client of the fencing suite: takes fenced leases one attempt at a time (its Redlock must be
 * built with {@code retryCount(0)}), so that the attempt start is taken just before the winning
 * attempt's requests (fencing.md §12.1), and runs the critical section on a {@link GuardedStore}:
 * claim, read, write the value read plus one.
 */
final class FencedClient {

    /** A fenced lease and its grant record. */
    record Held(Lease lease, FencedGrant grant, long validUntilNanos) {
        long token() {
            return grant.token();
        }

        /** The grant with its lease end: release invoked now, or the validity end if that came first. */
        FencedGrant ended(long releaseInvokedNanos) {
            return grant.endedAt(Math.min(releaseInvokedNanos, validUntilNanos));
        }
    }

    private final Redlock redlock;
    private final String client;
    private final java.util.List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();

    FencedClient(Redlock redlock, String client) {
        this.redlock = redlock;
        this.client = client;
    }

    String name() {
        return client;
    }

    /** The failed attempts so far, as their {@link LockResult}s describe them (per-node outcomes included). */
    java.util.List<String> failures() {
        return java.util.List.copyOf(failures);
    }

    /** The token's owner id: a hash of the lease value, never the value itself (it can release the lock). */
    static String owner(Lease lease) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(lease.value().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One fenced attempt; empty when it failed. A grant without a token is a failure of the test. */
    Optional<Held> tryOnce(String resource, Duration ttl) {
        long attemptStart = System.nanoTime();
        LockResult result = redlock.tryLock(LockRequest.of(resource, ttl).withFencing());
        long handout = System.nanoTime();
        Optional<Lease> lease = result.lease();
        if (lease.isEmpty()) {
            failures.add(result.toString());
            return Optional.empty();
        }
        Lease held = lease.get();
        long token = held.fencingToken().orElseThrow(() -> new AssertionError("a fenced grant without a token: " + held));
        long validUntil = System.nanoTime() + held.remaining().toNanos();
        return Optional.of(new Held(held, FencedGrant.open(resource, client, owner(held), token, attemptStart, handout),
                validUntil));
    }

    /** Attempts until one succeeds, at most for {@code bound}; counts the failed attempts into {@code refused}. */
    Held acquire(String resource, Duration ttl, Duration bound, int[] refused) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            Optional<Held> held = tryOnce(resource, ttl);
            if (held.isPresent()) {
                return held.get();
            }
            refused[0]++;
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(client + " got no fenced lease on " + resource + " within " + bound.toMillis()
                        + " ms (" + refused[0] + " attempts failed)");
            }
            Nodes.sleep(Duration.ofMillis(20));
        }
    }

    Held acquire(String resource, Duration ttl, Duration bound) {
        return acquire(resource, ttl, bound, new int[1]);
    }

    /** Releases and returns the finished grant. */
    FencedGrant release(Held held) {
        long releaseInvoked = System.nanoTime();
        redlock.release(held.lease());
        return held.ended(releaseInvoked);
    }

    /** Claim, read, write: the critical section of one holder, returning its write as the store decided it. */
    static StoreWrite section(GuardedStore store, String client, FencedGrant grant) {
        store.claim(grant.resource(), grant.token(), grant.owner());
        long read = store.read(grant.resource());
        return write(store, client, grant, read);
    }

    /** The write half of a section, from a value read earlier. */
    static StoreWrite write(GuardedStore store, String client, FencedGrant grant, long read) {
        GuardedStore.Decision decision = store.write(grant.resource(), grant.token(), grant.owner(), read + 1);
        return new StoreWrite(grant.resource(), client, grant.owner(), grant.token(), decision.accepted(),
                decision.sequence(), read, read + 1);
    }
}
