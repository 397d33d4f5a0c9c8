package io.github.redlock.sample.demo;

import java.time.Duration;
import java.util.List;

/**
 * What the demo runs.
 *
 * @param duration how long both instances run before the verdict (default 30 s)
 * @param servers Redis servers to use; empty means: start 3 local nodes
 * @param instances how many application instances (processes) to run (default 2)
 * @param skew how far apart the instances' scheduler clocks are: the first runs on the system
 *        clock, the last that much ahead, the others evenly between (default 0)
 */
public record DemoOptions(Duration duration, List<String> servers, int instances, Duration skew) {

    /**
     * Parses {@code --duration=30s}, {@code --servers=redis://a:6379,redis://b:6379}, {@code --instances=2},
     * {@code --skew=400} (milliseconds).
     */
    public static DemoOptions parse(String... args) {
        Duration duration = Duration.ofSeconds(30);
        List<String> servers = List.of();
        int instances = 2;
        Duration skew = Duration.ZERO;
        for (String arg : args) {
            if (arg.startsWith("--duration=")) {
                String value = arg.substring("--duration=".length());
                duration = value.startsWith("P") ? Duration.parse(value)
                        : Duration.ofSeconds(Long.parseLong(value.replaceAll("s$", "")));
            } else if (arg.startsWith("--servers=")) {
                servers = List.of(arg.substring("--servers=".length()).split(","));
            } else if (arg.startsWith("--instances=")) {
                instances = Integer.parseInt(arg.substring("--instances=".length()));
            } else if (arg.startsWith("--skew=")) {
                skew = Duration.ofMillis(Long.parseLong(arg.substring("--skew=".length()).replaceAll("ms$", "")));
            } else if (!arg.isBlank()) {
                throw new IllegalArgumentException("unknown argument " + arg
                        + "; use --duration=30s, --servers=redis://host:port,..., --instances=2 or --skew=400");
            }
        }
        if (instances < 2) {
            throw new IllegalArgumentException("--instances must be at least 2 to show anything");
        }
        if (skew.isNegative()) {
            throw new IllegalArgumentException("--skew must not be negative");
        }
        return new DemoOptions(duration, servers, instances, skew);
    }

    /** The scheduler clock offset of instance {@code index}. */
    Duration clockOffset(int index) {
        return skew.multipliedBy(index).dividedBy(instances - 1);
    }
}
