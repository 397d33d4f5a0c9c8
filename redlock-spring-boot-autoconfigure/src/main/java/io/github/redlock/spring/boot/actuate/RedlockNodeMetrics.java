package io.github.redlock.spring.boot.actuate;

import io.github.redlock.NodeHealth;
import io.github.redlock.Redlock;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.List;

/**
 * Gauges of the Redis nodes behind a {@link Redlock}:
 * <ul>
 * <li>{@code redlock.nodes.up}: nodes answering PING within the per-node timeout;</li>
 * <li>{@code redlock.nodes.quorum}: nodes that must grant a lock (below it, no lock can be taken);</li>
 * <li>{@code redlock.node.up} (tagged {@code node}, the address without password): 1 or 0 per node;</li>
 * <li>{@code redlock.fillins} (counter, tagged {@code outcome} = {@code created}, {@code contended} (another client's
 * value stood there: competition, not a fault) or {@code failed} (the node errored or did not answer)): keys
 * set after a grant on nodes that had refused it or not answered, see {@link Redlock#fillInCounts()}.</li>
 * </ul>
 * The nodes are pinged when a gauge is read, at most once per {@code refresh} (default 5 s), so
 * a scrape costs at most one parallel round of PINGs bounded by the per-node timeout.
 */
public class RedlockNodeMetrics implements MeterBinder {

    private final Redlock redlock;
    private final long refreshNanos;
    private volatile List<NodeHealth> health = List.of();
    private volatile long checkedAtNanos;
    private volatile boolean checked;

    public RedlockNodeMetrics(Redlock redlock) {
        this(redlock, Duration.ofSeconds(5));
    }

    public RedlockNodeMetrics(Redlock redlock, Duration refresh) {
        this.redlock = redlock;
        this.refreshNanos = refresh.toNanos();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("redlock.nodes.up", this, metrics -> metrics.health().stream().filter(NodeHealth::up).count())
                .description("Redis nodes answering PING within the per-node timeout").register(registry);
        Gauge.builder("redlock.nodes.quorum", redlock, Redlock::quorum)
                .description("Redis nodes that must grant a lock; with fewer nodes up, no lock can be taken")
                .register(registry);
        FunctionCounter.builder("redlock.fillins", redlock, engine -> engine.fillInCounts().created())
                .description("Lease keys set after a grant on nodes that had refused it or not answered")
                .tag("outcome", "created").register(registry);
        FunctionCounter.builder("redlock.fillins", redlock, engine -> engine.fillInCounts().contended())
                .description("Lease keys set after a grant on nodes that had refused it or not answered")
                .tag("outcome", "contended").register(registry);
        FunctionCounter.builder("redlock.fillins", redlock, engine -> engine.fillInCounts().failed())
                .description("Lease keys set after a grant on nodes that had refused it or not answered")
                .tag("outcome", "failed").register(registry);
        List<String> nodes = redlock.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            int index = i;
            Gauge.builder("redlock.node.up", this, metrics -> metrics.isUp(index))
                    .description("1 when this Redis node answers PING within the per-node timeout, else 0")
                    .tag("node", nodes.get(i)).register(registry);
        }
    }

    private double isUp(int index) {
        List<NodeHealth> current = health();
        return index < current.size() && current.get(index).up() ? 1 : 0;
    }

    private List<NodeHealth> health() {
        if (!checked || System.nanoTime() - checkedAtNanos > refreshNanos) {
            synchronized (this) {
                if (!checked || System.nanoTime() - checkedAtNanos > refreshNanos) {
                    health = redlock.checkNodes();
                    checkedAtNanos = System.nanoTime();
                    checked = true;
                }
            }
        }
        return health;
    }
}
