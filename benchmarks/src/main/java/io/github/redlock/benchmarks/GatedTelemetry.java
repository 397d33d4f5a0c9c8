package io.github.redlock.benchmarks;

import io.github.redlock.Lease;
import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.RedlockListener;
import io.github.redlock.spring.boot.actuate.RedlockMetrics;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Turns the telemetry of one context on and off between calls, so that calls with and without it
 * share the engine, its connections and its threads: separate contexts differ by up to ±10 µs per
 * call for reasons of their own (which event loop, which connection), more than what is measured.
 * Wraps every {@link RedlockListener} bean: the meters ({@link RedlockMetrics}) hear a call from
 * {@link Level#METERS}, the other listeners (the observations) from {@link Level#ALL}. The level is
 * read when a call starts; one thread calls at a time.
 */
final class GatedTelemetry implements BeanPostProcessor {

    /** What the next calls are told to. */
    enum Level {
        NONE, METERS, ALL
    }

    private static volatile Level level = Level.ALL;

    static void set(Level next) {
        level = next;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof RedlockListener listener) {
            return new Gated(listener, bean instanceof RedlockMetrics ? Level.METERS : Level.ALL);
        }
        return bean;
    }

    private record Gated(RedlockListener delegate, Level from) implements RedlockListener {

        private boolean on() {
            return level.compareTo(from) >= 0;
        }

        @Override
        public Consumer<LockResult> acquiring(LockRequest request) {
            return on() ? delegate.acquiring(request) : result -> { };
        }

        @Override
        public Running running(LockRequest request, Lease lease) {
            return on() ? delegate.running(request, lease) : Running.IGNORED;
        }

        @Override
        public void notAttempted(String name, Map<String, String> tags, @Nullable Throwable error) {
            if (on()) {
                delegate.notAttempted(name, tags, error);
            }
        }

        @Override
        public void released(Release release) {
            if (on()) {
                delegate.released(release);
            }
        }

        @Override
        public void renewed(Renewal renewal) {
            if (on()) {
                delegate.renewed(renewal);
            }
        }

        @Override
        public void filledIn(FillInRound round) {
            if (on()) {
                delegate.filledIn(round);
            }
        }
    }
}
