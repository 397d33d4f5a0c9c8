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
