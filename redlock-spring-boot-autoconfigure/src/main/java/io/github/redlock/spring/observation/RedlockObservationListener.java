package io.github.redlock.spring.observation;

import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.RedlockListener;
import io.micrometer.observation.Observation;
import java.util.function.Consumer;

/**
 * Makes every lock call on a {@link io.github.redlock.Redlock} a {@code redlock.lock.acquire}
 * observation, a child of the observation current on the calling thread, named by the request's
 * {@link LockRequest#name() name} ({@code unnamed} without one). Calls made by the
 * {@code @DistributedLock} advice are observed by the advice itself, with its policy.
 */
public final class RedlockObservationListener implements RedlockListener {

    private final LockObservations observations;

    public RedlockObservationListener(LockObservations observations) {
        this.observations = observations;
    }

    @Override
    public Consumer<LockResult> acquiring(LockRequest request) {
        if (observations.registry().isNoop() || LockObservations.insideAdvisedCall()) {
            return result -> { };
        }
        LockObservationContext context = new LockObservationContext(
                request.name().orElse(LockObservationContext.UNNAMED), null);
        Observation observation = observations.acquire(context).start();
        return result -> {
            context.setResult(result);
            observation.stop();
        };
    }
}
