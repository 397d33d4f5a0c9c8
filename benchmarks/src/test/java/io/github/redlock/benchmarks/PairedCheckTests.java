package io.github.redlock.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PairedCheckTests {

    @Test
    void twoClientsAlternateInAbbaOrder() {
        List<String> sequence = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            sequence.addAll(PairedCheck.order(List.of("A", "B"), round));
        }
        assertThat(String.join("", sequence)).isEqualTo("ABBABAAB");
    }

    @Test
    void threeClientsEachComeFirstAndLastEquallyOften() {
        List<String> firsts = new ArrayList<>();
        List<String> lasts = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            List<String> order = PairedCheck.order(List.of("A", "B", "C"), round);
            assertThat(order).containsExactlyInAnyOrder("A", "B", "C");
            firsts.add(order.get(0));
            lasts.add(order.get(2));
        }
        assertThat(firsts).containsExactlyInAnyOrder("A", "A", "B", "B", "C", "C");
        assertThat(lasts).containsExactlyInAnyOrder("A", "A", "B", "B", "C", "C");
    }
}
