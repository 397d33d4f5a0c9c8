package io.github.redlock.sample;

import java.lang.management.ManagementFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/** Names this instance in logs and in the run log: {@code sample.instance-id}, or host and pid. */
@Component
public class InstanceId {

    private final String id;

    public InstanceId(@Value("${sample.instance-id:}") String configured) {
        this.id = configured.isBlank() ? ManagementFactory.getRuntimeMXBean().getName() : configured;
    }

    @Override
    public String toString() {
        return id;
    }
}
