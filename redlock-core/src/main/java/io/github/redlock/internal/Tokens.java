package io.github.redlock.internal;

import java.security.SecureRandom;
import java.util.Base64;

/** Random lock values: 24 bytes from {@link SecureRandom}, as 32 base64 characters (as the Perl module). */
public final class Tokens {

    private static final int RANDOM_BYTES = 24;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Tokens() {
    }

    public static String random() {
        byte[] bytes = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }
}
