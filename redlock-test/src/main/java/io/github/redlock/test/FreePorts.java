package io.github.redlock.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks free loopback ports for nodes, and remembers which ones this JVM's nodes own so that a
 * node that is down (waiting to be started again on the same port) does not see its port handed
 * to another node of this JVM.
 *
 * <p>Ports are picked below the kernel's ephemeral range (by default from 10000 up to 32768 on
 * Linux, whose ephemeral range starts there; the macOS one starts at 49152). Ports of that range
 * are what {@code ServerSocket(0)} returns, but they are also the local ports of every outgoing
 * connection: while a node is down, any client connection (even one to another node) can take its
 * port as local port, and after that connection closes the port stays in TIME_WAIT for a minute,
 * during which {@code redis-server} cannot bind it again. Outside that range only an explicit bind
 * can take the port.
 */
final class FreePorts {

    static final int LOWEST = 10_000;
    private static final int DEFAULT_EPHEMERAL_LOW = 32_768;
    private static final int ATTEMPTS = 100;
    private static final Set<Integer> RESERVED = ConcurrentHashMap.newKeySet();
    private static final int HIGHEST_EXCLUSIVE = Math.max(LOWEST + 1_000, Math.min(DEFAULT_EPHEMERAL_LOW, ephemeralLow()));

    private FreePorts() {
    }

    /**
     * A port of 127.0.0.1 that could be bound just now (with SO_REUSEADDR, as Redis binds), is not
     * in the ephemeral range, and is not owned by another node of this JVM; it is reserved for the
     * caller until {@link #release}. After 100 busy candidates, falls back to one the kernel picks
     * ({@code ServerSocket(0)}).
     *
     * @throws UncheckedIOException if even the kernel offers no free port
     */
    static int reserve() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int candidate = random.nextInt(LOWEST, HIGHEST_EXCLUSIVE);
            if (!RESERVED.contains(candidate) && Loopback.canBind(candidate) && RESERVED.add(candidate)) {
                return candidate;
            }
        }
        return reserveEphemeral();
    }

    /** Gives a port back; releasing a port that is not reserved does nothing. */
    static void release(int port) {
        RESERVED.remove(port);
    }

    static boolean isReserved(int port) {
        return RESERVED.contains(port);
    }

    /** The upper bound (exclusive) of the ports {@link #reserve()} picks from. */
    static int highestExclusive() {
        return HIGHEST_EXCLUSIVE;
    }

    private static int reserveEphemeral() {
        IOException last = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(Loopback.socketAddress(0));
                int port = socket.getLocalPort();
                if (RESERVED.add(port)) {
                    return port;
                }
            } catch (IOException e) {
                last = e;
            }
        }
        throw new UncheckedIOException("Found no free port on " + Loopback.HOST,
                last != null ? last : new IOException("every port offered was already reserved"));
    }

    /** The first port of Linux's ephemeral range, or 32768 when it cannot be read. */
    private static int ephemeralLow() {
        Path range = Paths.get("/proc/sys/net/ipv4/ip_local_port_range");
        try {
            String text = Files.readString(range, StandardCharsets.US_ASCII).strip();
            return Integer.parseInt(text.split("\\s+", 2)[0]);
        } catch (IOException | RuntimeException e) {
            return DEFAULT_EPHEMERAL_LOW;
        }
    }
}
