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
     *
     * <p>Reads the key before any {@code SET}: a server at {@code maxmemory} with {@code noeviction}
     * refuses a script's first {@code SET} with OOM even when the key exists, so a key held by another
     * value must be answered without one (contended, not an error; issue 25). A free key at OOM is
     * still refused with OOM. The extra {@code GET} runs inside the script: it costs no round trip.
     */
    static final Script ACQUIRE_OR_REPORT_HOLDER = new Script("""
            local held = redis.call('GET', KEYS[1])
            if held then
              return {0, held}
            end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            return {1}""");

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

    /** The largest token minted: below 2^53 (9007199254740992), where Lua's numbers stop being exact integers. */
    static final long MAX_TOKEN = 9_000_000_000_000_000L;

    /**
     * {@code raise(counter, token, floor)}: raises the fencing counter hash's field {@code counter} to
     * {@code token}. A counter found missing (the node lost it) starts at {@code max(token, node time
     * in µs)} (without the floor when {@code floor ~= '1'}), and records {@code lost_at}, the node's
     * time in µs, whatever the calling client's quarantine: each client then mints there only once
     * its own quarantine, counted from {@code lost_at}, has ended ({@link #FENCED_ACQUIRE}).
     * Numbers go to Redis as Lua numbers (written exactly up to 2^53), never through {@code tostring}.
     */
    private static final String RAISE = """
            local function raise(counter, token, floor)
              local f = tonumber(redis.call('HGET', counter, 'counter'))
              if f == nil then
                local t = redis.call('TIME')
                local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
                local start = token
                if floor == '1' and now > start then start = now end
                redis.call('HSET', counter, 'counter', start, 'lost_at', now)
              elseif f < token then
                redis.call('HSET', counter, 'counter', token)
              end
            end
            """;

    /**
     * Phase 1 of a fenced grant: KEYS[1] the lock key, KEYS[2] the fencing counter (a hash); ARGV[1]
     * the value, ARGV[2] the TTL in ms, ARGV[3] the calling client's quarantine in ms, ARGV[4] '1' to
     * extend a key holding ARGV[1] (extend-or-create), ARGV[5] '1' for the time floor. Reads the
     * node's TIME first (so that a user without {@code +time}, or a Redis before 5, fails before any
     * write), then the counter: missing, it is re-created with {@code lost_at} (node µs) whatever
     * ARGV[3] says; while {@code now < lost_at + ARGV[3]}, the node mints nothing for this client and
     * answers an error (so a client's quarantine is its own, never set by the client that happened to
     * find the counter missing). Then mints {@code c = max(counter + 1, now in µs)}, refusing past
     * {@link #MAX_TOKEN}, writes it to the counter (raising alone is harmless: a user who may not write
     * the counter gets an error and leaves no key), and only then takes the key: answers {1, c} when
     * it created the key, {2, c} when it renewed a key holding ARGV[1] (ARGV[4] = '1'), {0, holder}
     * when the key is held (by another value, or by ARGV[1] without ARGV[4]). Errors start with
     * "FENCING".
     */
    static final Script FENCED_ACQUIRE = new Script("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            local state = redis.pcall('HMGET', KEYS[2], 'counter', 'lost_at')
            if state['err'] then
              return redis.error_reply('FENCING the fencing counter key holds something other than a hash: it is reserved for the counter')
            end
            local f = tonumber(state[1])
            local lost = tonumber(state[2])
            local quarantine = tonumber(ARGV[3])
            if f == nil then
              f = 0
              if ARGV[5] == '1' then f = now end
              lost = now
              redis.call('HSET', KEYS[2], 'counter', f, 'lost_at', now)
              if quarantine > 0 then
                return redis.error_reply('FENCING counter lost (restart without persistence, FLUSHALL or eviction): this node mints no token for ' .. ARGV[3] .. ' ms (quarantine)')
              end
            end
            if lost and now < lost + quarantine * 1000 then
              return redis.error_reply('FENCING counter lost on this node: it mints no token for ' .. math.ceil((lost + quarantine * 1000 - now) / 1000) .. ' ms more (quarantine)')
            end
            local c = f + 1
            if ARGV[5] == '1' and now > c then c = now end
            if c > 9000000000000000 then
              return redis.error_reply('FENCING token space exhausted: the next token would pass 9000000000000000, near 2^53 where Lua numbers stop being exact')
            end
            local held = redis.call('GET', KEYS[1])
            if held and (held ~= ARGV[1] or ARGV[4] ~= '1') then
              return {0, held}
            end
            redis.call('HSET', KEYS[2], 'counter', c)
            if held then
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
              return {2, c}
            end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            return {1, c}""");

    /**
     * Phase 2 of a fenced grant: KEYS[1] the lock key, KEYS[2] the counter; ARGV[1] the value,
     * ARGV[2] the token, ARGV[3] '1' for the time floor. Raises the
     * counter to the token unconditionally (raising never hurts), then answers 1 when the key holds
     * ARGV[1] (the node confirms), else 0. Creates no lock key.
     */
    static final Script FENCED_WRITE_BACK = new Script(RAISE + """
            raise(KEYS[2], tonumber(ARGV[2]), ARGV[3])
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return 1
            end
            return 0""");

    /**
     * A fenced lease's renewal, as {@link #ACQUIRE_OR_EXTEND} (1 created, 2 renewed, 0 held by
     * another value; the key is read before any write, so a renewal works at OOM), then raises the
     * counter to the lease's token, best effort (a failure, such as OOM, does not fail the renewal:
     * the token was confirmed by a quorum when it was handed out). KEYS[1] the lock key, KEYS[2] the
     * counter; ARGV[1] the value, ARGV[2] the TTL in ms, ARGV[3] the token, ARGV[4] '1' for the time
     * floor.
     */
    static final Script FENCED_RENEW = new Script(RAISE + """
            local held = redis.call('GET', KEYS[1])
            local answer = 1
            if held == ARGV[1] then
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
              answer = 2
            elseif held then
              return 0
            else
              redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            end
            pcall(raise, KEYS[2], tonumber(ARGV[3]), ARGV[4])
            return answer""");

    /**
     * A fenced lease's fill-in, as {@link #ACQUIRE_OR_REPORT_HOLDER} ({1} created, {0, holder}
     * otherwise), raising the counter to the lease's token (best effort) wherever the key holds the
     * lease's value afterwards. Arguments as {@link #FENCED_RENEW}.
     */
    static final Script FENCED_FILL_IN = new Script(RAISE + """
            local held = redis.call('GET', KEYS[1])
            if held and held ~= ARGV[1] then
              return {0, held}
            end
            if not held then
              redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            end
            pcall(raise, KEYS[2], tonumber(ARGV[3]), ARGV[4])
            if held then
              return {0, held}
            end
            return {1}""");

    /**
     * Reads a waiter-queue member, {@code freshUntil:value} or, for a waiter that takes a hand-over
     * ({@link #RELEASE_AND_NOTIFY}), {@code freshUntil;ttl;attempt:value}: answers freshUntil (nil
     * when the member is of neither form), the value, and the TTL and attempt (nil for the first
     * form). The value is everything after the first colon, so it may hold colons itself.
     */
    private static final String MEMBER = """
            local function member(m)
              local cut = string.find(m, ':', 1, true)
              if not cut then
                return nil
              end
              local head = string.sub(m, 1, cut - 1)
              local fresh, ttl, attempt = string.match(head, '^(%d+);(%d+);(%d+)$')
              if not fresh then
                fresh = string.match(head, '^(%d+)$')
              end
              return tonumber(fresh), string.sub(m, cut + 1), tonumber(ttl), attempt
            end
            """;

    /**
     * As {@link #RELEASE}, and when it deleted the key, hands it over and publishes on ARGV[2] (the
     * key's release channel, see {@code Waiters}) in the same script, so that waiters hear of the
     * release at once. The hand-over: when the first entry of the key's waiter queue (ARGV[3]; see
     * {@link #ACQUIRE_QUEUED}) is fresh, of a waiter that takes hand-overs
     * ({@code freshUntil;ttl;attempt:value}), with a score above 0 (never a lease's reserved place)
     * and below the next entry's (so it is the head by every client's order), the script removes it
     * and sets the key to that waiter's value with PX its TTL. Otherwise (a stale or plain first
     * entry, a tie) it hands nothing over, and the waiters' attempts sort it out. The message is the
     * SHA-1 (hex) of the released value, never the value (a known value may be locked again), and
     * after a hand-over {@code :} the SHA-1 of the value it went to {@code :} the attempt that left
     * the entry: a waiter tells by it which release it hears of and whether the node is now its own
     * ({@link Waiting.Notice}). The queue, {@code TIME}, the hand-over's writes and the
     * {@code PUBLISH} are reached by {@code pcall}: a user whose ACL does not allow them, or a server
     * at {@code maxmemory}, still releases (without a hand-over, or without a notice: waiters then
     * poll). The queue key is passed in ARGV rather than in KEYS, so that an ACL that covers the
     * lock key but not the queue cannot refuse the release itself. Kept cheap, since every release
     * runs it, waiters or not: without a queue it adds one {@code PTTL} of the queue (0.3 µs of
     * server time; reading the queue's first entries outright cost 1 µs), a command the documented
     * ACL for waiting allows already; with ARGV[3] empty (a node whose ACL refuses the queue), none.
     */
    static final Script RELEASE_AND_NOTIFY = new Script("""
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then
              return 0
            end
            redis.call('DEL', KEYS[1])
            local m = redis.sha1hex(ARGV[1])
            local q = ARGV[3]
            local p = q ~= '' and redis.pcall('PTTL', q)
            local e = type(p) == 'number' and p ~= -2 and redis.pcall('ZRANGE', q, 0, 1, 'WITHSCORES')
            if e and e[1] and tonumber(e[2]) > 0 and (not e[3] or tonumber(e[4]) > tonumber(e[2])) then
              local f, t, n, v = string.match(e[1], '^(%d+);(%d+);(%d+):(.*)$')
              local c = f and v ~= ARGV[1] and redis.pcall('TIME')
              if c and c[1] and tonumber(f) > tonumber(c[1]) * 1000 + math.floor(tonumber(c[2]) / 1000)
                  and redis.pcall('ZREM', q, e[1]) == 1 and redis.pcall('SET', KEYS[1], v, 'PX', t).ok then
                m = m .. ':' .. redis.sha1hex(v) .. ':' .. n
              end
            end
            redis.pcall('PUBLISH', ARGV[2], m)
            return 1""");

    /**
     * A waiting acquire that honours the key's waiter queue KEYS[2], a sorted set of members
     * {@code freshUntil:value} (or {@code freshUntil;ttl;attempt:value}, see {@link #MEMBER}) scored by
     * when each waiter started waiting (milliseconds on the servers' clocks). Entries whose
     * freshUntil (this server's clock) has passed, and members of neither form, are dropped first, so
     * a dead waiter blocks nobody for longer than ARGV[5] ms. Creates KEYS[1] = ARGV[1] with PX
     * ARGV[2] when the key is free and no fresh entry of another value is ahead of this one (a
     * smaller score, or the same score and a smaller value), and answers {1}. With ARGV[6], the
     * number of this attempt, the waiter takes hand-overs ({@link #RELEASE_AND_NOTIFY}): its entry is
     * {@code freshUntil;ARGV[2];ARGV[6]:value}, and a key found holding ARGV[1] (handed over to it)
     * is renewed to PX ARGV[2] and answers {1} too. Otherwise answers {0, the holder's value or
     * false, the score}. Either way, once the waiter has a score ARGV[3] (from an earlier refusal) it
     * enters or refreshes its entry, fresh for ARGV[5] ms, also where it set the key: an attempt that
     * set too few nodes keeps its place on the others (the caller leaves every queue when it ends).
     * On the first attempt (ARGV[3] empty) it enters only where refused, with this server's time less
     * ARGV[4] ms (how long the caller has waited already) as its score. A refusal answers
     * {0, the holder's value or false, the score, the value of the fresh entry right ahead of this
     * one or false}: the waiter's next chance comes with the release of one of those two.
     */
    static final Script ACQUIRE_QUEUED = new Script(MEMBER + """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local since = tonumber(ARGV[3])
            local placed = since ~= nil
            if not placed then
              since = now - tonumber(ARGV[4])
            end
            local ahead, aheadScore = false, nil
            local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
            for i = 1, #entries, 2 do
              local fresh, other = member(entries[i])
              if not fresh or fresh <= now or other == ARGV[1] then
                redis.call('ZREM', KEYS[2], entries[i])
              else
                local score = tonumber(entries[i + 1])
                if (score < since or (score == since and other < ARGV[1]))
                    and (not ahead or score > aheadScore or (score == aheadScore and other > ahead)) then
                  ahead, aheadScore = other, score
                end
              end
            end
            local freshFor = tonumber(ARGV[5])
            local set = false
            if ARGV[6] ~= '' and redis.call('GET', KEYS[1]) == ARGV[1] then
              set = redis.call('PEXPIRE', KEYS[1], ARGV[2]) == 1
            elseif not ahead then
              set = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
            end
            if set and not placed then
              return {1}
            end
            local head = string.format('%.0f', now + freshFor)
            if ARGV[6] ~= '' then
              head = head .. ';' .. ARGV[2] .. ';' .. ARGV[6]
            end
            redis.call('ZADD', KEYS[2], since, head .. ':' .. ARGV[1])
            if redis.call('PTTL', KEYS[2]) < freshFor then
              redis.call('PEXPIRE', KEYS[2], freshFor)
            end
            if set then
              return {1}
            end
            return {0, redis.call('GET', KEYS[1]), string.format('%.0f', since), ahead}""");

    /**
     * A fill-in try of a held lease: as {@link #ACQUIRE_OR_REPORT_HOLDER} on KEYS[1] (ARGV[1], PX
     * ARGV[2]), and answers {0, ARGV[1]} when the key already holds the lease's value. Where another
     * value holds the key, it also reserves the lease's place at the head of the key's waiter queue
     * KEYS[2]: an entry of score 0 (ahead of every waiter, see {@link #ACQUIRE_QUEUED}), fresh for
     * ARGV[2] ms (the lease's validity left), replacing the lease's earlier entries; so a waiter woken
     * when that value is released cannot take the node before the next try does. Where it creates the
     * key, or finds it holding the lease's value, it removes the lease's entries. The queue and
     * {@code TIME} are reached by {@code pcall}: a user whose ACL does not allow them, or a server at
     * {@code maxmemory}, still gets the plain fill-in.
     */
    static final Script FILL_IN_RESERVING = new Script("""
            local function unreserve()
              local entries = redis.pcall('ZRANGE', KEYS[2], 0, -1)
              if type(entries) ~= 'table' or entries.err then
                return
              end
              for i = 1, #entries do
                local member = entries[i]
                local cut = string.find(member, ':', 1, true)
                if cut and string.sub(member, cut + 1) == ARGV[1] then
                  redis.pcall('ZREM', KEYS[2], member)
                end
              end
            end
            local held = redis.call('GET', KEYS[1])
            if held == ARGV[1] then
              unreserve()
              return {0, held}
            end
            if held then
              local t = redis.pcall('TIME')
              if type(t) == 'table' and not t.err then
                unreserve()
                local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
                local ttl = tonumber(ARGV[2])
                redis.pcall('ZADD', KEYS[2], 0, string.format('%.0f', now + ttl) .. ':' .. ARGV[1])
                local left = redis.pcall('PTTL', KEYS[2])
                if type(left) == 'number' and left < ttl then
                  redis.pcall('PEXPIRE', KEYS[2], ttl)
                end
              end
              return {0, held}
            end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            unreserve()
            return {1}""");

    /**
     * Removes the waiter ARGV[1]'s entry from the waiter queue KEYS[1] (see {@link #ACQUIRE_QUEUED});
     * answers how many. With ARGV[3], the lock key, also deletes that key where it holds ARGV[1] (by
     * {@code pcall}, the key not being declared): a waiter that takes hand-overs (its value is its
     * own, random) and ends without the lock gives back what a release handed it meanwhile
     * ({@link #RELEASE_AND_NOTIFY}). With ARGV[2], the key's release channel, and an entry removed
     * or a key given back, publishes there as a release of ARGV[1] would: a waiter that gives up
     * tells the one right behind it, which waits for that waiter's release, that its turn may have
     * come. The give-back comes first, and the queue's commands run by {@code pcall}, so that a
     * queue of another type, or commands on it the ACL refuses, do not stop it (an ACL whose key
     * patterns do not cover the queue refuses the whole script, which declares the queue key).
     */
    static final Script LEAVE_QUEUE = new Script("""
            local removed = 0
            if ARGV[3] and ARGV[3] ~= '' and redis.pcall('GET', ARGV[3]) == ARGV[1]
                and redis.pcall('DEL', ARGV[3]) == 1 then
              removed = 1
            end
            local entries = redis.pcall('ZRANGE', KEYS[1], 0, -1)
            if type(entries) == 'table' and not entries.err then
              for i = 1, #entries do
                local member = entries[i]
                local cut = string.find(member, ':', 1, true)
                if cut and string.sub(member, cut + 1) == ARGV[1] then
                  local gone = redis.pcall('ZREM', KEYS[1], member)
                  if type(gone) == 'number' then
                    removed = removed + gone
                  end
                end
              end
            end
            if removed > 0 and ARGV[2] and ARGV[2] ~= '' then
              redis.pcall('PUBLISH', ARGV[2], redis.sha1hex(ARGV[1]))
            end
            return removed""");

    /**
     * The ACL check after a connection: ARGV holds commands, each as its word count then its words
     * (command, arguments, keys and channels). Answers the 1-based positions of those the calling
     * user may not run, by {@code redis.acl_check_cmd} (Redis 7 on), which runs none of them: the
     * script reads and writes nothing.
     */
    static final Script ACL_CHECK = new Script("""
            local refused = {}
            local i, n = 1, 0
            while i <= #ARGV do
              n = n + 1
              local count = tonumber(ARGV[i])
              if not redis.acl_check_cmd(unpack(ARGV, i + 1, i + count)) then
                refused[#refused + 1] = n
              end
              i = i + count + 1
            end
            return refused""");

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
