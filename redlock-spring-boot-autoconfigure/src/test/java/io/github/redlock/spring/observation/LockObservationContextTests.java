package io.github.redlock.spring.observation;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A lock context keeps the conventions' key values as they were added, without filling its maps,
 * while each addition names every key before it; whatever else is added or removed, it reads as a
 * plain {@link Observation.Context} given the same calls, from one thread or from several at once
 * (a task started inside the hold scope may tag the current observation while it stops).
 */
class LockObservationContextTests {

    private static final KeyValues START = KeyValues.of("redlock.resource", "report", "redlock.outcome", "unknown");
    private static final KeyValues STOP = KeyValues.of("redlock.resource", "report", "redlock.outcome", "acquired");

    @Test
    void keyValuesThatNameEveryKeyBeforeThemComeBackAsTheyWereAdded() {
        LockObservationContext context = new LockObservationContext("report", null);

        context.addLowCardinalityKeyValues(START);
        context.addLowCardinalityKeyValues(STOP);
        context.addHighCardinalityKeyValues(KeyValues.of("redlock.attempts", "1"));

        assertThat(context.getLowCardinalityKeyValues()).isSameAs(STOP);
        assertThat(context.getHighCardinalityKeyValues()).containsExactly(KeyValue.of("redlock.attempts", "1"));
        assertSameAsPlain(c -> {
            c.addLowCardinalityKeyValues(START);
            c.addLowCardinalityKeyValues(STOP);
            c.addHighCardinalityKeyValues(KeyValues.of("redlock.attempts", "1"));
        });
    }

    @Test
    void otherAdditionsAndRemovalsReadAsInAPlainContext() {
        List<Consumer<Observation.Context>> steps = List.of(
                c -> c.addLowCardinalityKeyValues(START),
                c -> c.addLowCardinalityKeyValue(KeyValue.of("region", "eu")),
                c -> c.addLowCardinalityKeyValues(STOP),
                c -> c.addLowCardinalityKeyValues(KeyValues.of("team", "billing")),
                c -> c.removeLowCardinalityKeyValue("region"),
                c -> c.removeLowCardinalityKeyValues("team", "nothing"),
                c -> c.addHighCardinalityKeyValues(KeyValues.of("redlock.attempts", "2", "redlock.nodes.granted", "3")),
                c -> c.addHighCardinalityKeyValues(KeyValues.of("redlock.attempts", "3")),
                c -> c.addHighCardinalityKeyValue(KeyValue.of("trace", "t1")),
                c -> c.removeHighCardinalityKeyValues("redlock.attempts"));
        for (int last = 0; last < steps.size(); last++) {
            List<Consumer<Observation.Context>> done = steps.subList(0, last + 1);
            assertSameAsPlain(c -> done.forEach(step -> step.accept(c)));
        }
    }

    @Test
    void aLowCardinalityAdditionThatLeavesAKeyOutKeepsIt() {
        LockObservationContext context = new LockObservationContext("report", null);

        context.addLowCardinalityKeyValues(START.and("team", "billing"));
        context.addLowCardinalityKeyValues(STOP);

        assertThat(context.getLowCardinalityKeyValues()).containsExactly(KeyValue.of("redlock.outcome", "acquired"),
                KeyValue.of("redlock.resource", "report"), KeyValue.of("team", "billing"));
        assertThat(context.getLowCardinalityKeyValue("team")).isEqualTo(KeyValue.of("team", "billing"));
    }

    private static void assertSameAsPlain(Consumer<Observation.Context> calls) {
        LockObservationContext lock = new LockObservationContext("report", null);
        Observation.Context plain = new Observation.Context();
        calls.accept(lock);
        calls.accept(plain);
        assertThat(lock.getLowCardinalityKeyValues()).as("low").containsExactlyElementsOf(plain.getLowCardinalityKeyValues());
        assertThat(lock.getHighCardinalityKeyValues()).as("high").containsExactlyElementsOf(plain.getHighCardinalityKeyValues());
        assertThat(lock.getAllKeyValues()).as("all").containsExactlyElementsOf(plain.getAllKeyValues());
        for (String key : List.of("redlock.resource", "redlock.outcome", "region", "team", "redlock.attempts", "trace")) {
            assertThat(lock.getLowCardinalityKeyValue(key)).as("low " + key).isEqualTo(plain.getLowCardinalityKeyValue(key));
            assertThat(lock.getHighCardinalityKeyValue(key)).as("high " + key).isEqualTo(plain.getHighCardinalityKeyValue(key));
        }
    }

    @Test
    void aKeyValueAddedByAnotherThreadWhileTheConventionsValuesReplaceTheKeptOnesIsKept() throws InterruptedException {
        LockObservationContext context = new LockObservationContext("report", null);
        context.addLowCardinalityKeyValues(START);
        PausingKeyValue outcome = new PausingKeyValue("redlock.outcome", "acquired");
        KeyValues stop = KeyValues.of(KeyValue.of("redlock.resource", "report"), outcome);
        AtomicReference<@Nullable Throwable> failed = new AtomicReference<>();
        Thread task = thread(failed, () -> context.addLowCardinalityKeyValue(KeyValue.of("task", "export")));
        // The stopping thread has read the kept key values and is comparing the keys when the task tags.
        outcome.pauseOnce(() -> {
            task.start();
            awaitFinishedOrBlocked(task);
        });
        Thread stopping = thread(failed, () -> context.addLowCardinalityKeyValues(stop));

        stopping.start();
        joinBounded(stopping);
        joinBounded(task);

        assertThat(failed.get()).as("failure in a thread").isNull();
        assertThat(describe(context.getLowCardinalityKeyValues()))
                .containsExactly("redlock.outcome=acquired", "redlock.resource=report", "task=export");
        assertThat(context.getLowCardinalityKeyValue("task")).as("task").isNotNull();
    }

    @Test
    void aReaderWhileAnotherThreadMovesTheKeptKeyValuesIntoTheMapSeesThemAll() throws InterruptedException {
        LockObservationContext context = new LockObservationContext("report", null);
        PausingKeyValue resource = new PausingKeyValue("redlock.resource", "report");
        context.addLowCardinalityKeyValues(KeyValues.of(KeyValue.of("redlock.outcome", "unknown"), resource));
        AtomicReference<@Nullable Throwable> failed = new AtomicReference<>();
        AtomicReference<List<String>> seen = new AtomicReference<>(List.of());
        Thread reader = thread(failed, () -> seen.set(describe(context.getLowCardinalityKeyValues())));
        // The tagging thread has moved the first kept key value into the map and reads the second's key.
        resource.pauseOnce(() -> {
            reader.start();
            awaitFinishedOrBlocked(reader);
        });
        Thread task = thread(failed, () -> context.addLowCardinalityKeyValue(KeyValue.of("task", "export")));

        task.start();
        joinBounded(task);
        joinBounded(reader);

        assertThat(failed.get()).as("failure in a thread").isNull();
        assertThat(seen.get()).as("what the reader saw").contains("redlock.outcome=unknown", "redlock.resource=report");
        assertThat(describe(context.getLowCardinalityKeyValues()))
                .containsExactly("redlock.outcome=unknown", "redlock.resource=report", "task=export");
    }

    private static List<String> describe(KeyValues keyValues) {
        return keyValues.stream().map(keyValue -> keyValue.getKey() + "=" + keyValue.getValue()).toList();
    }

    private static Thread thread(AtomicReference<@Nullable Throwable> failed, Runnable work) {
        Thread thread = new Thread(() -> {
            try {
                work.run();
            } catch (Throwable e) {
                failed.compareAndSet(null, e);
            }
        }, "context-test");
        thread.setDaemon(true);
        return thread;
    }

    private static void joinBounded(Thread thread) throws InterruptedException {
        thread.join(Duration.ofSeconds(10).toMillis());
        assertThat(thread.isAlive()).as(thread.getName() + " still running").isFalse();
    }

    /** Until {@code thread} has ended or waits for a monitor (the context's, held by the caller). */
    private static void awaitFinishedOrBlocked(Thread thread) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (thread.getState() != Thread.State.TERMINATED && thread.getState() != Thread.State.BLOCKED) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(thread.getName() + " neither ended nor blocked: " + thread.getState());
            }
            Thread.onSpinWait();
        }
    }

    /** A key value that runs an action the first time its key is read after {@link #pauseOnce}. */
    private static final class PausingKeyValue implements KeyValue {

        private final String key;
        private final String value;
        private final AtomicReference<@Nullable Runnable> pause = new AtomicReference<>();

        PausingKeyValue(String key, String value) {
            this.key = key;
            this.value = value;
        }

        void pauseOnce(Runnable action) {
            pause.set(action);
        }

        @Override
        public String getKey() {
            Runnable action = pause.getAndSet(null);
            if (action != null) {
                action.run();
            }
            return key;
        }

        @Override
        public String getValue() {
            return value;
        }
    }
}
