package io.github.redlock.safety;

/**
 * One fenced grant as its holder saw it, all times from one monotonic clock (nanoseconds,
 * {@link System#nanoTime()}, shared by the JVMs of one machine: see {@link ChildJvm}).
 *
 * @param resource the locked resource
 * @param client who held it
 * @param owner the token's owner id (unique per grant: a hash of the lease value)
 * @param token the fencing token handed out
 * @param attemptStartNanos taken just before the winning attempt's first requests were sent
 * @param handoutNanos when the token became available to the caller
 * @param leaseEndNanos when the lease ended: release invoked or validity over, whichever came first
 *        ({@code Long.MAX_VALUE} if neither is known)
 */
public record FencedGrant(String resource, String client, String owner, long token, long attemptStartNanos,
        long handoutNanos, long leaseEndNanos) {

    /** A grant whose lease end is not known (yet): it counts for the contract, not for Corollary B. */
    public static FencedGrant open(String resource, String client, String owner, long token, long attemptStartNanos,
            long handoutNanos) {
        return new FencedGrant(resource, client, owner, token, attemptStartNanos, handoutNanos, Long.MAX_VALUE);
    }

    public FencedGrant endedAt(long leaseEndNanos) {
        return new FencedGrant(resource, client, owner, token, attemptStartNanos, handoutNanos,
                Math.min(this.leaseEndNanos, leaseEndNanos));
    }

    /** {@code FGRANT resource client owner token attemptStart handout leaseEnd}, tab-separated. */
    String line() {
        return String.join("\t", "FGRANT", resource, client, owner, Long.toString(token),
                Long.toString(attemptStartNanos), Long.toString(handoutNanos), Long.toString(leaseEndNanos));
    }

    static boolean isLine(String line) {
        return line.startsWith("FGRANT\t");
    }

    static FencedGrant parse(String line) {
        String[] f = line.split("\t");
        if (f.length != 8 || !f[0].equals("FGRANT")) {
            throw new IllegalArgumentException("not a FGRANT line: " + line);
        }
        return new FencedGrant(f[1], f[2], f[3], Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]),
                Long.parseLong(f[7]));
    }

    @Override
    public String toString() {
        return client + "@" + resource + "#" + token + "[start " + attemptStartNanos + ", handout " + handoutNanos
                + (leaseEndNanos == Long.MAX_VALUE ? "" : ", end " + leaseEndNanos) + "]";
    }
}
