package io.github.redlock.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Scheduled jobs that every instance of this application runs on the same cron, and that
 * {@code @DistributedLock} lets only one instance execute per tick.
 */
@SpringBootApplication
@EnableScheduling
public class ScheduledJobsApplication {

    public static void main(String[] args) {
        SpringApplication.run(ScheduledJobsApplication.class, args);
    }
}
