package io.github.redlock.safety;

/**
 * One write attempt on the guarded store, as the store's guard decided it.
 *
 * @param resource the resource (one counter per resource in the store)
 * @param client who wrote
 * @param owner the owner id sent with the token (empty for a client without a token)
 * @param token the token sent ({@code 0} for none)
 * @param accepted whether the guard let the write through
 * @param sequence the store's own order of accepted writes (1, 2, ...), {@code 0} when refused
 * @param valueRead the counter value the writer read before computing its write
 * @param valueWritten the value it asked to write
 */
public record StoreWrite(String resource, String client, String owner, long token, boolean accepted, long sequence,
        long valueRead, long valueWritten) {

    /** {@code FWRITE resource client owner token accepted sequence read written}, tab-separated. */
    String line() {
        return String.join("\t", "FWRITE", resource, client, owner, Long.toString(token), Boolean.toString(accepted),
                Long.toString(sequence), Long.toString(valueRead), Long.toString(valueWritten));
    }

    static boolean isLine(String line) {
        return line.startsWith("FWRITE\t");
    }

    static StoreWrite parse(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 9 || !f[0].equals("FWRITE")) {
            throw new IllegalArgumentException("not a FWRITE line: " + line);
        }
        return new StoreWrite(f[1], f[2], f[3], Long.parseLong(f[4]), Boolean.parseBoolean(f[5]), Long.parseLong(f[6]),
                Long.parseLong(f[7]), Long.parseLong(f[8]));
    }

    @Override
    public String toString() {
        return client + (accepted ? " wrote " : " was refused ") + resource + " " + valueRead + "->" + valueWritten
                + " with #" + token + (accepted ? " (store order " + sequence + ")" : "");
    }
}
