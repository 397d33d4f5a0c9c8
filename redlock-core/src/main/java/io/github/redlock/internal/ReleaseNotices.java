package io.github.redlock.internal;

/**
 * Hears of releases: one subscription per channel that has a listener, on every node, opened only
 * once something listens. A listener is told of every message on its channel from any node (the
 * same release reaches it once per node), and once more when the subscription was confirmed (a
 * release may have happened just before). Messages can be lost (a node restarted, a connection
 * replaced): listeners keep polling as well.
 */
public interface ReleaseNotices extends AutoCloseable {

    /** For engines without pub/sub (fake nodes): nobody is ever told. */
    ReleaseNotices NONE = new ReleaseNotices() {
        @Override
        public Runnable listen(String channel, Runnable onNotice) {
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
    Runnable listen(String channel, Runnable onNotice);

    /** How many channels have a listener (and are subscribed, or being subscribed, on the nodes). */
    int channels();

    /** Closes the subscription connections; later calls to {@link #listen} do nothing. */
    @Override
    void close();
}
