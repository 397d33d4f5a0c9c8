package io.github.redlock.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;

/**
 * Logs a node's changes of reachability, one line per change and never per call: a WARN when a
 * node that was connected cannot be connected again (with the cause of that attempt), an INFO when
 * it is connected again, and one INFO for a connection lost and re-established at the first
 * attempt. Failures while a node is down, and the node's state at startup (which the engine logs
 * itself), add nothing. A flapping node logs at most one pair per reconnect interval, the cadence
 * of its connection attempts. Thread-safe.
 */
final class Reachability {

    private static final System.Logger LOG = System.getLogger("io.github.redlock.Redlock");

    private enum State {
        /** Never connected. */
        NEW,
        UP,
        /** Its connection was lost; the first reconnection attempt has not ended yet. */
        LOST,
        DOWN
    }

    private final String node;
    private final Ticker ticker;
    private State state = State.NEW;
    private long downSinceNanos;
    private String lostBecause = "";

    Reachability(String node, Ticker ticker) {
        this.node = node;
        this.ticker = ticker;
    }

    /** The node has a new connection. */
    synchronized void connected() {
        if (state == State.LOST) {
            LOG.log(Level.INFO, "Redlock node {0} was disconnected ({1}) and is connected again", node,
                    lostBecause);
        } else if (state == State.DOWN) {
            LOG.log(Level.INFO, "Redlock node {0} is back after {1} ms down", node,
                    Duration.ofNanos(ticker.nanoTime() - downSinceNanos).toMillis());
        }
        state = State.UP;
    }

    /** The node's connection was closed or retired; {@code why} says how. */
    synchronized void lost(String why) {
        if (state == State.UP) {
            state = State.LOST;
            lostBecause = why;
            downSinceNanos = ticker.nanoTime();
        }
    }

    /** A connection attempt failed with {@code cause} (already scrubbed of credentials). */
    synchronized void connectFailed(String cause) {
        if (state == State.LOST) {
            String before = "connection lost".equals(lostBecause) ? "" : " (its connection ended: " + lostBecause + ")";
            LOG.log(Level.WARNING, "Redlock node {0} is down: {1}{2}. Locks need a quorum of the other nodes meanwhile;"
                    + " it is retried every reconnect interval, and a line says when it is back", node, cause, before);
            state = State.DOWN;
        } else if (state == State.NEW) {
            state = State.DOWN;
            downSinceNanos = ticker.nanoTime();
        }
    }
}
