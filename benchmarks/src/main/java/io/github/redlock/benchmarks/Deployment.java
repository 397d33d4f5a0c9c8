package io.github.redlock.benchmarks;

import io.github.redlock.test.RedisNodes;

/** Redis nodes and one client over them, started together for a trial and closed together. */
record Deployment(RedisNodes nodes, LockTarget target) implements AutoCloseable {

    /** Starts {@code count} nodes and the {@code impl} client over them; stops the nodes if the client fails. */
    static Deployment start(String impl, int count) {
        RedisNodes nodes = RedisNodes.start(count);
        try {
            return new Deployment(nodes, LockTarget.create(impl, nodes.uris()));
        } catch (RuntimeException e) {
            nodes.close();
            throw e;
        }
    }

    @Override
    public void close() {
        target.close();
        nodes.close();
    }
}
