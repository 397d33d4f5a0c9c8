package io.github.redlock.integration;

import io.github.redlock.integration.boot.RedlockIntegrationAutoConfiguration;
import io.github.redlock.spring.boot.autoconfigure.RedlockAutoConfiguration;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.integration.leader.event.AbstractLeaderEvent;
import org.springframework.integration.leader.event.OnGrantedEvent;
import org.springframework.integration.leader.event.OnRevokedEvent;

/**
 * One application instance of {@link LeaderElectionIntegrationTests}, in its own JVM: a Spring Boot
 * application electing a leader from {@code redlock.leader.*} properties (given as arguments). It
 * prints {@code @@ READY <pid>} once started, {@code @@ GRANTED <role> <nanoTime>} and
 * {@code @@ REVOKED <role> <nanoTime>} for each leader event ({@link System#nanoTime()} is one clock
 * for all processes of the machine on Linux), and closes the application on {@code STOP}, then
 * prints {@code @@ CLOSED}. Other output (logs) does not start with {@code @@}.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@ImportAutoConfiguration({ RedlockAutoConfiguration.class, RedlockIntegrationAutoConfiguration.class })
public class LeaderChildMain {

    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    static synchronized void say(String line) {
        OUT.println("@@ " + line);
    }

    @Bean
    ApplicationListener<AbstractLeaderEvent> leaderEvents() {
        return event -> {
            long now = System.nanoTime();
            if (event instanceof OnGrantedEvent) {
                say("GRANTED " + event.getRole() + " " + now);
            } else if (event instanceof OnRevokedEvent) {
                say("REVOKED " + event.getRole() + " " + now);
            }
        };
    }

    public static void main(String[] args) throws Exception {
        try {
            ConfigurableApplicationContext context = new SpringApplicationBuilder(LeaderChildMain.class)
                    .web(WebApplicationType.NONE).properties("spring.main.banner-mode=off", "logging.level.root=WARN")
                    .run(args);
            say("READY " + ProcessHandle.current().pid());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.equals("STOP")) {
                // wait
            }
            context.close();
            say("CLOSED");
            System.exit(0);
        } catch (Throwable e) {
            say("ERROR " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }
}
