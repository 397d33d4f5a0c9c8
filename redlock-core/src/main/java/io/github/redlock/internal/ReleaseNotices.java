package io.github.redlock.internal;

import org.jspecify.annotations.Nullable;

/**
 * Hears of releases: one subscription per channel that has a listener, on every node, opened only
 * once something listens. A listener is told of every message on its channel from any node (the
 * same release reaches it once per node), with the node and the message, and once more when the
 * subscription was confirmed or renewed (a release may have happened just before), without a
 * message. Messages can be lost (a node restarted, a connection replaced): listeners keep polling
 * as well.
 */
public interface ReleaseNotices extends AutoCloseable {

    /** Told of the notices on one channel. */
    @FunctionalInterface
    interface Listener {
        /**
         * @param node the index of the node (in the engine's order) the notice came from, or -1 when
         *        it may concern every node (a connection renewed)
         * @param released what was released and what was handed over ({@link Waiting.Notice}), or
         *        null when anything may have happened (a subscription confirmed, a message of another form)
         */
        void notice(int node, Waiting.@Nullable Notice released);
    }

    /** For engines without pub/sub (fake nodes): nobody is ever told. */
    ReleaseNotices NONE = new ReleaseNotices() {
        @Override
        public Runnable listen(String channel, Listener onNotice) {
            return () -> { };
        }

        @Override
        public int channels() {
            return 0;
        }

        @Override
        public void close() {
        }
    };

    /**
     * Starts telling {@code onNotice} of messages on {@code channel}, replacing any listener it had;
     * the returned handle stops it and unsubscribes. Never blocks, never throws for Redis failures.
     */
    Runnable listen(String channel, Listener onNotice);

    /** How many channels have a listener (and are subscribed, or being subscribed, on the nodes). */
    int channels();

    /** Closes the subscription connections; later calls to {@link #listen} do nothing. */
    @Override
    void close();
}
