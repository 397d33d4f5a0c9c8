package io.github.redlock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redlock.test.RedisNodesExtension;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link PubSubNotices} against a real redis-server: what its subscriptions on the node are. */
@Timeout(120)
class PubSubNoticesIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(1);

    private ClientResources resources;
    private PubSubNotices notices;

    @BeforeEach
    void start() {
        resources = DefaultClientResources.create();
        String uri = redis.node(0).uri();
        notices = new PubSubNotices(List.of(new ServerAddress(RedisURI.create(uri), uri, null)), resources,
                ClientOptions.create(), Duration.ofMillis(200), Ticker.SYSTEM);
    }

    @AfterEach
    void stop() {
        notices.close();
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private static long subscribers(String channel) {
        List<?> reply = (List<?>) redis.node(0).command("PUBSUB", "NUMSUB", channel);
        return Long.parseLong(String.valueOf(reply.get(1)));
    }

    /** Whether the node has no subscriber on {@code channel} within 2 s. */
    private static boolean unsubscribedSoon(String channel) {
        try {
            await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2)).atMost(Duration.ofSeconds(2))
                    .until(() -> subscribers(channel) == 0);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    @Test
    void listenersComingAndGoingFromTwoThreadsLeaveNoSubscriptionBehind() throws Exception {
        String channel = Waiting.channel("hot");
        notices.listen(channel, (node, released) -> { }).run(); // opens the connection
        await().atMost(Duration.ofSeconds(5)).until(() -> subscribers(channel) == 0);
        CyclicBarrier barrier = new CyclicBarrier(2);
        AtomicInteger rounds = new AtomicInteger();
        AtomicInteger leaked = new AtomicInteger();
        Runnable churn = () -> {
            boolean checks = Thread.currentThread().getName().equals("churn-0");
            try {
                for (int i = 0; i < 1_000; i++) {
                    barrier.await(5, TimeUnit.SECONDS);
                    for (int j = 0; j < 20; j++) {
                        notices.listen(channel, (node, released) -> { }).run(); // a line that starts and ends at once
                    }
                    barrier.await(5, TimeUnit.SECONDS);
                    if (checks) {
                        rounds.incrementAndGet();
                        // Nobody listens now: the last command the node got for the channel must be an UNSUBSCRIBE.
                        if (!unsubscribedSoon(channel)) {
                            leaked.incrementAndGet();
                            return;
                        }
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        Thread first = new Thread(churn, "churn-0");
        Thread second = new Thread(churn, "churn-1");
        first.start();
        second.start();
        first.join(90_000);
        second.join(10_000);
        second.interrupt();

        assertThat(leaked.get()).as("rounds (of %s) after which the node kept a subscription nobody listens to",
                rounds.get()).isZero();
        assertThat(first.isAlive() || second.isAlive()).as("churning threads still running").isFalse();
        assertThat(notices.channels()).isZero();

        // One that listens now is subscribed, and no longer once it stops.
        Runnable unlisten = notices.listen(channel, (node, released) -> { });
        await().atMost(Duration.ofSeconds(5)).until(() -> subscribers(channel) == 1);
        unlisten.run();
        await().atMost(Duration.ofSeconds(5)).until(() -> subscribers(channel) == 0);
    }
}
