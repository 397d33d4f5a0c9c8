package io.github.redlock.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The Lua scripts. Keys and values travel only in KEYS and ARGV, never in the script text. */
final class Scripts {

    /** Deletes KEYS[1] only if it holds ARGV[1]. */
    static final Script RELEASE = new Script("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('DEL', KEYS[1])
            end
            return 0""");

    /** Sets PX ARGV[2] on KEYS[1] only if it holds ARGV[1]. */
    static final Script EXTEND = new Script("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('PEXPIRE', KEYS[1], ARGV[2])
            end
            return 0""");

    /**
     * Creates KEYS[1] = ARGV[1] with PX ARGV[2] when free and answers {1}, else answers {0, the value
     * the key holds}. A script rather than {@code SET ... NX GET}, which Redis accepts only from 7.0 on.
     */
    static final Script ACQUIRE_OR_REPORT_HOLDER = new Script("""
            if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
              return {1}
            end
            return {0, redis.call('GET', KEYS[1])}""");

    /**
     * Creates KEYS[1] = ARGV[1] with PX ARGV[2] when free and answers 1; renews it when it holds
     * ARGV[1] and answers 2 (so that a caller knows it did not create the key); else 0.
     *
     * <p>Reads the key before any {@code SET}: a server at {@code maxmemory} with {@code noeviction}
     * refuses {@code SET NX} with OOM even when the key exists, but accepts {@code PEXPIRE}, so a
     * renewal of a key holding ARGV[1] must not depend on {@code SET} (issue 25, "Renewal at OOM").
     * A key held by another value is answered 0 without a {@code SET} either.
     */
    static final Script ACQUIRE_OR_EXTEND = new Script("""
            local held = redis.call('GET', KEYS[1])
            if held == ARGV[1] then
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
              return 2
            end
            if held then
              return 0
            end
            if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
              return 1
            end
            return 0""");

    /**
     * As {@link #RELEASE}, and when it deleted the key, publishes on ARGV[2] (the key's release
     * channel, see {@code Waiters}) in the same script, so that waiters hear of the release at once.
     * A {@code PUBLISH} to a channel nobody subscribes to costs one lookup. Sent by {@code pcall}: a
     * user whose ACL does not allow the channel still releases (waiters then poll).
     */
    static final Script RELEASE_AND_NOTIFY = new Script("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              redis.call('DEL', KEYS[1])
              redis.pcall('PUBLISH', ARGV[2], '')
              return 1
            end
            return 0""");

    /**
     * A waiting acquire that honours the key's waiter queue KEYS[2], a sorted set of members
     * {@code freshUntil:value} scored by when each waiter started waiting (milliseconds on the
     * servers' clocks). Entries whose freshUntil (this server's clock) has passed, and members that
     * are not of that form, are dropped first, so a dead waiter blocks nobody for longer than ARGV[5]
     * ms. Creates KEYS[1] = ARGV[1] with PX ARGV[2] when the key is free and no fresh entry of
     * another value is ahead of this one (a smaller score, or the same score and a smaller value),
     * and answers {1}. Otherwise answers {0, the holder's value or false, the score}. Either way,
     * once the waiter has a score ARGV[3] (from an earlier refusal) it enters or refreshes its entry,
     * fresh for ARGV[5] ms, also where it set the key: an attempt that set too few nodes keeps its
     * place on the others (the caller leaves every queue when it ends). On the first attempt
     * (ARGV[3] empty) it enters only where refused, with this server's time less ARGV[4] ms (how
     * long the caller has waited already) as its score.
     */
    static final Script ACQUIRE_QUEUED = new Script("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local since = tonumber(ARGV[3])
            local placed = since ~= nil
            if not placed then
              since = now - tonumber(ARGV[4])
            end
            local ahead = false
            local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
            for i = 1, #entries, 2 do
              local member = entries[i]
              local cut = string.find(member, ':', 1, true)
              local fresh = cut and tonumber(string.sub(member, 1, cut - 1))
              if not fresh or fresh <= now or string.sub(member, cut + 1) == ARGV[1] then
                redis.call('ZREM', KEYS[2], member)
              else
                local score = tonumber(entries[i + 1])
                if score < since or (score == since and string.sub(member, cut + 1) < ARGV[1]) then
                  ahead = true
                end
              end
            end
            local freshFor = tonumber(ARGV[5])
            local set = not ahead and redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
            if set and not placed then
              return {1}
            end
            redis.call('ZADD', KEYS[2], since, string.format('%.0f', now + freshFor) .. ':' .. ARGV[1])
            if redis.call('PTTL', KEYS[2]) < freshFor then
              redis.call('PEXPIRE', KEYS[2], freshFor)
            end
            if set then
              return {1}
            end
            return {0, redis.call('GET', KEYS[1]), string.format('%.0f', since)}""");

    /** Removes the waiter ARGV[1]'s entry from the waiter queue KEYS[1] (see {@link #ACQUIRE_QUEUED}); answers how many. */
    static final Script LEAVE_QUEUE = new Script("""
            local entries = redis.call('ZRANGE', KEYS[1], 0, -1)
            local removed = 0
            for i = 1, #entries do
              local member = entries[i]
              local cut = string.find(member, ':', 1, true)
              if cut and string.sub(member, cut + 1) == ARGV[1] then
                removed = removed + redis.call('ZREM', KEYS[1], member)
              end
            end
            return removed""");

    private Scripts() {
    }

    record Script(String text, String sha1) {

        Script(String text) {
            this(text, sha1(text));
        }

        private static String sha1(String text) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
                return HexFormat.of().formatHex(digest);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-1 is required by the Java platform", e);
            }
        }
    }
}
