package io.github.redlock.benchmarks;

import io.github.redlock.Lease;
import io.github.redlock.LockRequest;
import io.github.redlock.Redlock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * This project's engine: {@code lock} then {@code release}, one attempt; or, fenced, a lock that
 * carries a fencing token ({@code LockRequest.withFencing()}: mint, then write-back) then release.
 */
final class EngineTarget implements LockTarget {

    private final Redlock redlock;
    private final boolean fenced;
    private final LongAdder releaseFailures = new LongAdder();

    EngineTarget(List<String> uris) {
        this(uris, false);
    }

    /**
     * @param fenced whether every lock asks for a fencing token; the quarantine is off, since the
     *        benchmark's servers start without counters (the scripts run the same checks either way)
     */
    EngineTarget(List<String> uris, boolean fenced) {
        this.fenced = fenced;
        this.redlock = Redlock.builder()
                .servers(uris)
                .timeout(Settings.NODE_TIMEOUT)
                .connectTimeout(Settings.CONNECT_TIMEOUT)
                .retryCount(0)
                .fencingQuarantine(Duration.ZERO)
                .build();
    }

    Redlock redlock() {
        return redlock;
    }

    @Override
    public boolean cycle(String resource, Runnable section) {
        Optional<Lease> lease = fenced ? redlock.tryLock(LockRequest.of(resource, Settings.TTL).withFencing()).lease()
                : redlock.lock(resource, Settings.TTL);
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
