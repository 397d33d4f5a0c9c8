package io.github.redlock.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTests {

    @Test
    void reservedPortsAreDistinctBindableReleasableAndBelowTheEphemeralRange() {
        Set<Integer> ports = new HashSet<>();
        try {
            for (int i = 0; i < 50; i++) {
                int port = FreePorts.reserve();
                assertThat(ports.add(port)).as("port %d handed out twice", port).isTrue();
                assertThat(FreePorts.isReserved(port)).isTrue();
                assertThat(Loopback.canBind(port)).isTrue();
                assertThat(port).isBetween(FreePorts.LOWEST, FreePorts.highestExclusive() - 1);
            }
        } finally {
            ports.forEach(FreePorts::release);
        }
        assertThat(ports).noneMatch(FreePorts::isReserved);
        assertThat(FreePorts.highestExclusive()).isLessThanOrEqualTo(32_768);
    }
}
