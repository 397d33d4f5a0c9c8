package io.github.redlock.internal;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/** Random lock values: 24 bytes from a {@link SecureRandom}, as 32 base64 characters (as the Perl module). */
public final class Tokens {

    private static final int RANDOM_BYTES = 24;
    private static final SecureRandom RANDOM = seededGenerator();

    private Tokens() {
    }

    /** Seeds the generator now (class initialisation), so that no lock call pays for it. */
    public static void prepare() {
        // Nothing more to do: loading this class seeded RANDOM.
    }

    public static String random() {
        byte[] bytes = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    /**
     * The JDK's DRBG, seeded here, once: afterwards each value is computed in memory. The default
     * generator on Linux (NativePRNG) reads /dev/urandom on every call, which is file I/O on the
     * caller's thread, and that thread may be an event loop (reactive locked calls).
     */
    private static SecureRandom seededGenerator() {
        SecureRandom random;
        try {
            random = SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            random = new SecureRandom();
        }
        random.nextBytes(new byte[RANDOM_BYTES]);
        return random;
    }
}
