package io.github.redlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.test.RedisNodesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the checks of held leases without keep-alive cost (see {@link FillIn}): one script per node
 * per check, every third of the TTL, counted by the nodes themselves ({@code INFO commandstats}).
 */
@Timeout(60)
class FillInCheckCostIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(3);

    private static final int LEASES = 1000;
    private static final Duration TTL = Duration.ofSeconds(3);

    @Test
    void aThousandLeasesHeldForTheirWholeTtlCostTwoScriptsEachPerNode() throws InterruptedException {
        try (Redlock redlock = Redlock.builder().servers(redis.uris()).keyPrefix("cost:").build()) {
            // Read before the first grant: the first checks of the first leases may come due while the
            // last ones are granted. The grants themselves are SET NX, not scripts.
            long before = evals(0);
            List<Lease> leases = new ArrayList<>();
            for (int i = 0; i < LEASES; i++) {
                leases.add(redlock.lock("r" + i, TTL).orElseThrow());
            }
            // Held (never released) until they run out: checks at 1/3 and 2/3 of the TTL; at 3/3 the validity is over.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (leases.stream().anyMatch(Lease::isValid) && System.nanoTime() - deadline < 0) {
                Thread.sleep(50); // a bounded poll: the leases run out on their own
            }
            assertThat(leases).as("leases still valid").noneMatch(Lease::isValid);
            Thread.sleep(TTL.toMillis() / 3); // a check that came due just before the end has answered
            long checks = evals(0) - before;
            System.out.println("[cost] " + LEASES + " leases held for their TTL of " + TTL.toMillis() + " ms: " + checks
                    + " check scripts on one node (" + (double) checks / LEASES + " per lease)");
            // Plus at most one: the node checks' read-only ACL script after connecting (NodeChecks) may land
            // after `before` was read.
            assertThat(checks).as("check scripts on node 0: at 1/3 and 2/3 of each lease's TTL")
                    .isBetween(2L * LEASES, 2L * LEASES + 1);
            assertThat(redlock.fillInCounts()).as("nothing re-created or reported").isEqualTo(new FillInCounts(0, 0, 0));
        }
    }

    @Test
    void leasesReleasedBeforeAThirdOfTheirTtlCostNoCheck() {
        try (Redlock redlock = Redlock.builder().servers(redis.uris()).keyPrefix("cost2:").build()) {
            long before = evals(0);
            for (int i = 0; i < LEASES; i++) {
                assertThat(redlock.lock("r" + i, TTL).orElseThrow().release()).isTrue();
            }
            long releases = evals(0) - before;
            assertThat(releases).as("only the releases' scripts").isEqualTo(LEASES);
        }
    }

    /** EVAL and EVALSHA calls node {@code index} has answered so far. */
    private static long evals(int index) {
        String info = String.valueOf(redis.node(index).command("INFO", "commandstats"));
        long calls = 0;
        Matcher matcher = Pattern.compile("cmdstat_(eval|evalsha):calls=(\\d+)").matcher(info);
        while (matcher.find()) {
            calls += Long.parseLong(matcher.group(2));
        }
        return calls;
    }
}
