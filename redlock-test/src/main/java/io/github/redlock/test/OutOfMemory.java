package io.github.redlock.test;

import java.util.List;

/**
 * Puts a {@link RedisNode} out of memory, for tests of what a full server refuses: with
 * {@code maxmemory-policy noeviction} and {@code maxmemory} 2 MiB above the memory used, filler keys
 * of 8 KiB ({@code filler-0}, {@code filler-1}...) are written until one is refused with
 * {@code OOM}; then {@code maxmemory} is lowered 1 MiB below the memory used, so that client buffers
 * coming and going cannot lift the node out of OOM. Every command that may need memory (such as
 * {@code SET ... NX}, even of an existing key) is then refused with {@code OOM}, while commands that
 * need none ({@code GET}, {@code PEXPIRE}, {@code DEL}) still run.
 */
public final class OutOfMemory {

    private static final int FILLER_BYTES = 8 * 1024;
    private static final long ROOM_TO_FILL = 2L * 1024 * 1024;
    /** Once full, maxmemory is lowered this far below the memory used. */
    private static final long MARGIN_BELOW_USED = 1024 * 1024;

    private OutOfMemory() {
    }

    /**
     * Fills {@code node} until it refuses writes with {@code OOM} (see the class description).
     *
     * @return what sets {@code maxmemory} and {@code maxmemory-policy} back to what they were (the
     *         filler keys stay until the node is flushed)
     * @throws IllegalStateException if a filler write was refused with another error, or none was
     *         refused after ten times the room was written
     */
    public static Runnable fill(RedisNode node) {
        String maxmemory = config(node, "maxmemory");
        String policy = config(node, "maxmemory-policy");
        Runnable restore = () -> {
            node.command("CONFIG", "SET", "maxmemory", maxmemory);
            node.command("CONFIG", "SET", "maxmemory-policy", policy);
        };
        String filler = "x".repeat(FILLER_BYTES);
        int written = 0;
        boolean refused = false;
        try {
            node.command("CONFIG", "SET", "maxmemory-policy", "noeviction");
            node.command("CONFIG", "SET", "maxmemory", Long.toString(usedMemory(node) + ROOM_TO_FILL));
            while (!refused && written < 10 * ROOM_TO_FILL / FILLER_BYTES) {
                try {
                    node.command("SET", "filler-" + written, filler);
                    written++;
                } catch (RedisReplyException e) {
                    if (!"OOM".equals(e.code())) {
                        throw new IllegalStateException(node + " refused a filler write with " + e.error(), e);
                    }
                    refused = true;
                }
            }
            if (!refused) {
                throw new IllegalStateException(node + " refused no write after " + written + " fillers");
            }
            node.command("CONFIG", "SET", "maxmemory", Long.toString(usedMemory(node) - MARGIN_BELOW_USED));
        } catch (RuntimeException e) {
            restore.run();
            throw e;
        }
        return restore;
    }

    private static String config(RedisNode node, String name) {
        Object reply = node.command("CONFIG", "GET", name);
        if (!(reply instanceof List<?> pair) || pair.size() != 2 || !(pair.get(1) instanceof String value)) {
            throw new IllegalStateException("unexpected reply to CONFIG GET " + name + " from " + node + ": " + reply);
        }
        return value;
    }

    private static long usedMemory(RedisNode node) {
        Object info = node.command("INFO", "memory");
        for (String line : String.valueOf(info).split("\r?\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).strip());
            }
        }
        throw new IllegalStateException("no used_memory in INFO memory of " + node);
    }
}
