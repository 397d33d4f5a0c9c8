package io.github.redlock.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.Lease;
import io.github.redlock.LockRequest;
import io.github.redlock.Redlock;
import io.github.redlock.shedlock.RedlockLockProvider;
import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.spring.annotation.EnableSchedulerLock;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * redlock-shedlock on the Spring Boot line of the module that runs this class, with the ShedLock
 * that module chooses (6.x on Boot 3.5, 7.x on Boot 4): the auto-configured {@code LockProvider} is
 * the Redlock one, and a {@code @SchedulerLock} method runs only when its lock is free.
 */
class ShedLockLineIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    static ConfigurableApplicationContext context;

    @BeforeAll
    static void start() {
        context = new SpringApplicationBuilder(ShedLockApp.class).web(WebApplicationType.NONE)
                .properties("redlock.servers=" + String.join(",", redis.uris()), "redlock.key-prefix=compat:",
                        "redlock.timeout=1s")
                .run();
    }

    @AfterAll
    static void stop() {
        if (context != null) {
            context.close();
        }
    }

    @Test
    void aSchedulerLockMethodRunsOnlyWhenItsLockIsFree() {
        System.out.println("Spring Boot " + SpringBootVersion.getVersion() + ", ShedLock from "
                + LockProvider.class.getProtectionDomain().getCodeSource().getLocation());
        assertThat(context.getBean(LockProvider.class)).isInstanceOf(RedlockLockProvider.class);
        Job job = context.getBean(Job.class);
        Redlock redlock = context.getBean(Redlock.class);

        Lease held = redlock.tryLock(LockRequest.of("compat-shedlock", Duration.ofSeconds(30))).leaseOrThrow();
        job.run();
        assertThat(job.runs()).as("runs while another holder has the lock").isZero();
        held.release();

        job.run();
        assertThat(job.runs()).as("runs once the lock is free").isEqualTo(1);
        assertThat(redis.node(0).command("EXISTS", "compat:compat-shedlock")).as("the key after unlock").isEqualTo(0L);
    }

    /** Not a {@code @Configuration}: the other test class's application scans this package. */
    @EnableAutoConfiguration
    @EnableSchedulerLock(defaultLockAtMostFor = "PT30S")
    static class ShedLockApp {
        @Bean
        Job job() {
            return new Job();
        }
    }

    public static class Job {
        final AtomicInteger runs = new AtomicInteger();

        @SchedulerLock(name = "compat-shedlock")
        public void run() {
            runs.incrementAndGet();
        }

        /** Through a method: the bean is a class-based proxy, whose own fields are unused. */
        public int runs() {
            return runs.get();
        }
    }
}
