package io.github.redlock.spring.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

import io.github.redlock.spring.support.DistributedLockListener.FailureReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DistributedLockListenerCompositeTests {

    private final List<String> calls = new ArrayList<>();

    private final DistributedLockListener failing = new DistributedLockListener() {
        @Override
        public void acquired(String resource, Duration latency) {
            throw new IllegalStateException("listener bug");
        }

        @Override
        public Runnable running(String resource) {
            return () -> {
                throw new IllegalStateException("listener bug");
            };
        }
    };

    private final DistributedLockListener recording = new DistributedLockListener() {
        @Override
        public void acquired(String resource, Duration latency) {
            calls.add("acquired " + resource);
        }

        @Override
        public void notAcquired(String resource, FailureReason reason, Duration latency) {
            calls.add(reason.tagValue() + " " + resource);
        }

        @Override
        public Runnable running(String resource) {
            calls.add("running " + resource);
            return () -> calls.add("ended " + resource);
        }

        @Override
        public void expired(String resource) {
            calls.add("expired " + resource);
        }
    };

    @Test
    void aFailingListenerDisturbsNeitherTheCallNorTheOthers() {
        DistributedLockListener composite = DistributedLockListener.composite(List.of(failing, recording));
        composite.acquired("r", Duration.ZERO);
        composite.running("r").run();
        composite.notAcquired("r", FailureReason.CONTENDED, Duration.ZERO);
        composite.expired("r");
        assertThat(calls).containsExactly("acquired r", "running r", "ended r", "contended r", "expired r");
    }

    @Test
    void aSingleFailingListenerIsContainedToo() {
        DistributedLockListener composite = DistributedLockListener.composite(List.of(failing));
        assertThatNoException().isThrownBy(() -> {
            composite.acquired("r", Duration.ZERO);
            composite.running("r").run();
        });
    }

    @Test
    void noListenersIsFine() {
        DistributedLockListener composite = DistributedLockListener.composite(List.of());
        assertThatNoException().isThrownBy(() -> {
            composite.acquired("r", Duration.ZERO);
            composite.notAcquired("r", FailureReason.CONTENDED, Duration.ZERO);
            composite.expired("r");
            composite.running("r").run();
        });
    }
}
