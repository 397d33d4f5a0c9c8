package io.github.redlock;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What to lock and how hard to try, for {@link Redlock#tryLock(LockRequest)} and
 * {@link Redlock#tryLockAsync(LockRequest)}. Immutable: each {@code with} method returns a copy.
 *
 * <pre>{@code
 * // a scheduled tick: if another instance holds it, this tick is theirs
 * LockResult result = redlock.tryLock(LockRequest.of("nightly-report", Duration.ofSeconds(10))
 *         .withRetryWhenHeld(false));
 * }</pre>
 */
public final class LockRequest {

    private static final long MAX_TTL_MILLIS = Long.MAX_VALUE / 4_000_000L;

    /** The longest wait: far beyond any use, and safe to add to a monotonic clock reading. */
    static final Duration MAX_WAIT = Duration.ofDays(365L * 50);

    /** Resources longer than this are cut in messages (a key can be megabytes; a log line should not). */
    private static final int SHOWN_LENGTH = 200;

    private final String resource;
    private final Duration ttl;
    private final Duration waitTime;
    private final boolean retryWhenHeld;
    private final @Nullable String name;
    private final Duration minimumHold;
    private final boolean keepAlive;
    private final boolean releaseOnCancel;
    private final Map<String, String> tags;
    private final @Nullable Lease reentry;
    private final boolean fencing;

    private LockRequest(String resource, Duration ttl, Duration waitTime, boolean retryWhenHeld, @Nullable String name,
            Duration minimumHold, boolean keepAlive, boolean releaseOnCancel, Map<String, String> tags,
            @Nullable Lease reentry, boolean fencing) {
        this.resource = resource;
        this.ttl = ttl;
        this.waitTime = waitTime;
        this.retryWhenHeld = retryWhenHeld;
        this.name = name;
        this.minimumHold = minimumHold;
        this.keepAlive = keepAlive;
        this.releaseOnCancel = releaseOnCancel;
        this.tags = tags;
        this.reentry = reentry;
        this.fencing = fencing;
    }

    private LockRequest with(Duration waitTime, boolean retryWhenHeld, @Nullable String name, Duration minimumHold,
            boolean keepAlive, boolean releaseOnCancel, Map<String, String> tags, @Nullable Lease reentry) {
        return new LockRequest(resource, ttl, waitTime, retryWhenHeld, name, minimumHold, keepAlive, releaseOnCancel, tags,
                reentry, fencing);
    }

    /**
     * A request for {@code resource} with a random value, for {@code ttl}; no wait beyond the
     * configured retries, retrying also while the lock is held elsewhere.
     *
     * @throws IllegalArgumentException for a blank resource, one with an unpaired surrogate
     *         character (it has no UTF-8 encoding), or a TTL below 1 ms
     */
    public static LockRequest of(String resource, Duration ttl) {
        requireWellFormed("resource", resource);
        return new LockRequest(resource, requireTtl(ttl), Duration.ZERO, true, null, Duration.ZERO, false, false, Map.of(),
                null, false);
    }

    /**
     * Keeps retrying until the lock is acquired or {@code waitTime} has passed (at least
     * {@code retryCount + 1} attempts in any case, unless the call waits behind another of this
     * Redlock's calls for the same resource all along); default zero.
     *
     * <p>With a wait and {@link #retryWhenHeld()} (the default), the call waits in turn: behind this
     * Redlock's other waiting calls for the resource (only the first of them puts attempts on the
     * wire), and in a waiter queue on each node that lets the longest-waiting caller of any instance
     * go first; it retries as soon as a release is published on any node, or after the retry delay
     * when none was heard. Such a call holds no thread while it waits ({@link Redlock#tryLockAsync}).
     * See {@code docs/waiting.md} for what this guarantees and costs.
     *
     * @throws IllegalArgumentException when negative
     */
    public LockRequest withWaitTime(Duration waitTime) {
        if (waitTime == null || waitTime.isNegative()) {
            throw new IllegalArgumentException("waitTime must be zero or positive, got " + waitTime);
        }
        if (waitTime.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException("waitTime is too large: at most " + MAX_WAIT.toDays() + " days, got "
                    + waitTime.toDays() + " days (waiting for ever is not an option: give a bound)");
        }
        return with(waitTime, retryWhenHeld, name, minimumHold, keepAlive, releaseOnCancel, tags, reentry);
    }

    /**
     * Whether to retry when the lock is held elsewhere; default true. With false, an attempt refused
     * because one other client holds the lock on a majority of the nodes ends the call at once as
     * {@link LockFailure#CONTENDED}, whatever {@code retryCount} and {@link #waitTime()} say: for work
     * that only one of many instances should do each time, such as a scheduled tick. Attempts that
     * fail for other reasons are still retried: unreachable nodes, and split votes, where several
     * clients each got some nodes and none a majority (the one holding the most nodes retries first,
     * the others after it, so that one of them wins). Telling the two apart reads the holders' values
     * on the refusing nodes, atomically with the refusal, by a Lua script (Redis 6.2 and later).
     */
    public LockRequest withRetryWhenHeld(boolean retryWhenHeld) {
        return with(waitTime, retryWhenHeld, name, minimumHold, keepAlive, releaseOnCancel, tags, reentry);
    }

    /**
     * Names the kind of lock for {@link RedlockListener}s (metric tags, trace attributes), where the
     * resource itself may have too many values: {@code "invoice"} for {@code "invoice:42"}, say.
     * Default none. The {@code @DistributedLock} advice names each request by its resource template.
     *
     * @throws IllegalArgumentException when blank
     */
    public LockRequest withName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name must not be null or blank");
        }
        return with(waitTime, retryWhenHeld, name, minimumHold, keepAlive, releaseOnCancel, tags, reentry);
    }

    /**
     * Keeps the lock for at least {@code minimumHold} after it was granted, whenever it is released
     * (ShedLock's {@code lockAtLeastFor}): a release before then does not delete the key but sets it to
     * expire when the hold ends, so that instances whose clocks or schedules differ slightly do not run
     * the same work again. Default zero (a release deletes the key at once). A hold longer than the
     * TTL is the TTL.
     *
     * @throws IllegalArgumentException when null or negative
     */
    public LockRequest withMinimumHold(Duration minimumHold) {
        if (minimumHold == null || minimumHold.isNegative()) {
            throw new IllegalArgumentException("minimumHold must be zero or positive, got " + minimumHold);
        }
        // A hold longer than the TTL is the TTL (also an enormous one, which would overflow in nanoseconds).
        Duration hold = minimumHold.compareTo(ttl) > 0 ? ttl : minimumHold;
        return with(waitTime, retryWhenHeld, name, hold, keepAlive, releaseOnCancel, tags, reentry);
    }

    /**
     * Whether to keep the lock alive while it is held: renewed to the TTL about every third of it, on
     * this engine's timer and Redis I/O threads, until released, so that work of any length keeps
     * its lock. Default false (the lock expires with its TTL). The lock is lost, and renewing stops,
     * when a quorum of nodes no longer holds it or the lease ran out before a renewal succeeded:
     * {@link Lease#lost()} then completes. Needs a TTL of at least 3 ms.
     *
     * @throws IllegalArgumentException when true and the TTL is below 3 ms
     */
    public LockRequest withKeepAlive(boolean keepAlive) {
        if (keepAlive && ttl.toMillis() < 3) {
            throw new IllegalArgumentException("ttl of a kept-alive lock must be at least 3 ms, got " + ttl);
        }
        return with(waitTime, retryWhenHeld, name, minimumHold, keepAlive, releaseOnCancel, tags, reentry);
    }

    /**
     * What a cancelled work means for its lock, in {@link Redlock#executeAsync}: with false (the
     * default), work whose stage completes cancelled may still be running (cancelling a
     * {@code CompletableFuture} or a subscription does not stop the work behind it), so the lock is
     * kept until its key expires, renewal stopped; with true, a cancel ends the lock at once, for
     * work that does stop when cancelled.
     */
    public LockRequest withReleaseOnCancel(boolean releaseOnCancel) {
        return with(waitTime, retryWhenHeld, name, minimumHold, keepAlive, releaseOnCancel, tags, reentry);
    }

    /**
     * Adds a low-cardinality tag for {@link RedlockListener}s (metric tags, trace attributes), such as
     * the policy of the code asking; none by default. A later tag with the same key replaces it.
     *
     * @throws IllegalArgumentException when the key or value is blank
     */
    public LockRequest withTag(String key, String value) {
        if (key == null || key.isBlank() || value == null || value.isBlank()) {
            throw new IllegalArgumentException("tag key and value must not be null or blank, got " + key + "=" + value);
        }
        Map<String, String> more = new LinkedHashMap<>(tags);
        more.put(key, value);
        return with(waitTime, retryWhenHeld, name, minimumHold, keepAlive, releaseOnCancel,
                Collections.unmodifiableMap(more), reentry);
    }

    /**
     * Re-enters a lock the caller's own call chain holds: {@link Redlock#execute} and
     * {@link Redlock#executeAsync} then run the work at once under {@code held}, without a second
     * acquisition and without waiting, and leave it held (they neither shorten nor release it). The
     * work runs only while {@code held} is still valid; listeners are told a result that
     * {@link LockResult#reentered() was re-entered}. Ownership stays with the handle: whoever passes
     * a lease here vouches that its work is part of the work holding it.
     *
     * @throws IllegalArgumentException when {@code held} is null or locks another resource
     */
    public LockRequest reentering(Lease held) {
        if (held == null || !held.resource().equals(resource)) {
            throw new IllegalArgumentException("a re-entered lease must lock '" + resource + "', got "
                    + (held == null ? "null" : "'" + held.resource() + "'"));
        }
        return with(waitTime, retryWhenHeld, name, minimumHold, keepAlive, releaseOnCancel, tags, held);
    }

    /**
     * Asks for a fencing token: the lease is handed out only with {@link Lease#fencingToken()}, a
     * number larger than the token of every lease of this resource handed out before this call
     * started (see docs/fencing.md for the exact contract and its assumptions). A fenced grant costs
     * a second round trip (the token is written back to every node, and handed out only once a
     * quorum of nodes that still hold the lock confirmed it) and about three times the server work
     * of an unfenced one. An attempt whose token could not be confirmed in time fails and is
     * released like any failed attempt. Renewals keep the token. Default off: unfenced requests
     * cost exactly what they did.
     *
     * <p>Needs Redis 5 or later, and a Redis user allowed to run {@code TIME} and to write the
     * fencing counter key (the key prefix followed by {@link RedlockOptions#FENCING_COUNTER_SUFFIX}, see
     * {@link RedlockOptions#fencingCounterKey()}).
     */
    public LockRequest withFencing() {
        return new LockRequest(resource, ttl, waitTime, retryWhenHeld, name, minimumHold, keepAlive, releaseOnCancel, tags,
                reentry, true);
    }

    /** Whether a fencing token is asked for ({@link #withFencing()}); false by default. */
    public boolean fencing() {
        return fencing;
    }

    /** The resource to lock, without the key prefix: the lock's key is the prefix and this. */
    public String resource() {
        return resource;
    }

    public Duration ttl() {
        return ttl;
    }

    public Duration waitTime() {
        return waitTime;
    }

    public boolean retryWhenHeld() {
        return retryWhenHeld;
    }

    /** The low-cardinality name given by {@link #withName(String)}, if any. */
    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    /** The minimum hold given by {@link #withMinimumHold(Duration)}; zero by default. */
    public Duration minimumHold() {
        return minimumHold;
    }

    /** Whether the lock is kept alive while held ({@link #withKeepAlive(boolean)}); false by default. */
    public boolean keepAlive() {
        return keepAlive;
    }

    /** Whether a cancelled work ends its lock at once ({@link #withReleaseOnCancel(boolean)}); false by default. */
    public boolean releaseOnCancel() {
        return releaseOnCancel;
    }

    /** The tags given by {@link #withTag(String, String)}, in the order given; empty by default. */
    public Map<String, String> tags() {
        return tags;
    }

    /** The lease this request re-enters ({@link #reentering(Lease)}), if any. */
    public Optional<Lease> reentry() {
        return Optional.ofNullable(reentry);
    }

    @Override
    public String toString() {
        return "LockRequest[" + shown(resource) + ", ttl=" + ttl + ", waitTime=" + waitTime + ", retryWhenHeld=" + retryWhenHeld
                + (name != null ? ", name=" + name : "") + (minimumHold.isZero() ? "" : ", minimumHold=" + minimumHold)
                + (keepAlive ? ", keepAlive" : "") + (releaseOnCancel ? ", releaseOnCancel" : "")
                + (tags.isEmpty() ? "" : ", tags=" + tags) + (reentry != null ? ", reentering" : "")
                + (fencing ? ", fencing" : "") + "]";
    }

    /** {@code resource} as messages show it: cut after 200 characters, saying how long it was. */
    static String shown(String resource) {
        return resource.length() <= SHOWN_LENGTH ? resource
                : resource.substring(0, SHOWN_LENGTH) + "... (" + resource.length() + " characters)";
    }

    static Duration requireTtl(@Nullable Duration ttl) {
        if (ttl == null || ttl.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("ttl must be at least 1 ms, got " + ttl);
        }
        if (ttl.compareTo(Duration.ofMillis(MAX_TTL_MILLIS)) > 0) {
            throw new IllegalArgumentException("ttl is too large: " + ttl);
        }
        return ttl;
    }

    /** Rejects null, blank, and strings that have no UTF-8 encoding. */
    static void requireWellFormed(String what, @Nullable String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(what + " must not be null or blank");
        }
        int bad = unpairedSurrogate(text);
        if (bad >= 0) {
            // Keys and values go to Redis as UTF-8, where an unpaired surrogate becomes '?': two
            // different names would then share one lock.
            throw new IllegalArgumentException(what + " must be well-formed Unicode: unpaired surrogate U+"
                    + Integer.toHexString(text.charAt(bad)).toUpperCase(Locale.ROOT) + " at index " + bad
                    + " has no UTF-8 encoding");
        }
    }

    /** The index of the first unpaired surrogate in {@code text}, or -1. */
    static int unpairedSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }
}
