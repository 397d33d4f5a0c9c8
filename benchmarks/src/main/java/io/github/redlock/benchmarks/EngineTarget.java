package io.github.redlock.benchmarks;

import io.github.redlock.Lease;
import io.github.redlock.Redlock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/** This project's engine: {@code lock} then {@code release}, one attempt. */
final class EngineTarget implements LockTarget {

    private final Redlock redlock;
    private final LongAdder releaseFailures = new LongAdder();

    EngineTarget(List<String> uris) {
        this.redlock = Redlock.builder()
                .servers(uris)
                .timeout(Settings.NODE_TIMEOUT)
                .connectTimeout(Settings.CONNECT_TIMEOUT)
                .retryCount(0)
                .build();
    }

    Redlock redlock() {
        return redlock;
    }

    @Override
    public boolean cycle(String resource, Runnable section) {
        Optional<Lease> lease = redlock.lock(resource, Settings.TTL);
        if (lease.isEmpty()) {
            return false;
        }
        try {
            section.run();
        } finally {
            if (!redlock.release(lease.get())) {
                releaseFailures.increment();
            }
        }
        return true;
    }

    @Override
    public void close() {
        if (releaseFailures.sum() > 0) {
            System.out.println("WARNING: engine: " + releaseFailures.sum() + " releases did not reach a quorum");
        }
        redlock.close();
    }
}
