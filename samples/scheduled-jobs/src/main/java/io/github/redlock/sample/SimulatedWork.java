package io.github.redlock.sample;

import org.springframework.stereotype.Component;

/** Stands in for real work: keeps the lock held for a while, as a real job would. */
@Component
public class SimulatedWork {

    public Void forMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }
}
