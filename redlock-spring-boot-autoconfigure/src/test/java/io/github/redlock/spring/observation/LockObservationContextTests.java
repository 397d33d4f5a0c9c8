package io.github.redlock.spring.observation;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A lock context keeps the conventions' key values as they were added, without filling its maps,
 * while each addition names every key before it; whatever else is added or removed, it reads as a
 * plain {@link Observation.Context} given the same calls.
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
}
