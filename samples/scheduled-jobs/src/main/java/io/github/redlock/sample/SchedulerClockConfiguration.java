package io.github.redlock.sample;

import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.task.SimpleAsyncTaskSchedulerCustomizer;
import org.springframework.boot.task.ThreadPoolTaskSchedulerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The clock of this instance's scheduler: the system clock, offset by {@code sample.clock-offset}
 * (default 0). The demo's {@code --skew} sets it differently per instance, to show that instances
 * on machines whose clocks differ still run each tick once.
 */
@Configuration(proxyBeanMethods = false)
public class SchedulerClockConfiguration {

    @Bean
    Clock schedulerClock(@Value("${sample.clock-offset:0ms}") Duration offset) {
        return Clock.offset(Clock.systemDefaultZone(), offset);
    }

    @Bean
    ThreadPoolTaskSchedulerCustomizer schedulerClockCustomizer(Clock schedulerClock) {
        return scheduler -> scheduler.setClock(schedulerClock);
    }

    @Bean
    SimpleAsyncTaskSchedulerCustomizer virtualThreadSchedulerClockCustomizer(Clock schedulerClock) {
        return scheduler -> scheduler.setClock(schedulerClock);
    }
}
