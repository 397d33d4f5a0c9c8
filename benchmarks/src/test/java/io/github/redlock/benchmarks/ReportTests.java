package io.github.redlock.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ReportTests {

    private static String sample(String impl, int nodes, int threads, double meanMicros, double p50, double p99,
            double alloc) {
        return """
                {"benchmark":"io.github.redlock.benchmarks.CycleBenchmark.cycle","mode":"sample","threads":%d,
                 "params":{"impl":"%s","nodes":"%d"},
                 "primaryMetric":{"score":%s,"scoreError":"NaN","scoreUnit":"us/op",
                   "scorePercentiles":{"0.0":1.0,"50.0":%s,"99.0":%s,"100.0":9e3}},
                 "secondaryMetrics":{"gc.alloc.rate.norm":{"score":%s,"scoreUnit":"B/op"}}}
                """.formatted(threads, impl, nodes, meanMicros, p50, p99, alloc);
    }

    private static String contended(String impl, double attempts, double acquired) {
        return """
                {"benchmark":"io.github.redlock.benchmarks.ContendedBenchmark.contended","mode":"thrpt","threads":8,
                 "params":{"impl":"%s","nodes":"5"},
                 "primaryMetric":{"score":%s,"scoreUnit":"ops/s"},
                 "secondaryMetrics":{"acquired":{"score":%s,"scoreUnit":"ops/s"},
                   "refused":{"score":1.0,"scoreUnit":"ops/s"},"gc.alloc.rate.norm":{"score":100.0}}}
                """.formatted(impl, attempts, acquired);
    }

    @Test
    void derivesThroughputFromThreadsAndMeanLatency() {
        Report report = Report.parse("[" + sample("engine", 5, 16, 800, 700, 2000, 9000) + "]");

        Report.Row row = report.find("CycleBenchmark", "engine", 5, 16).orElseThrow();
        assertThat(row.throughput()).isCloseTo(20_000, within(1e-6));
        assertThat(row.p50()).isEqualTo(700);
        assertThat(row.p99()).isEqualTo(2000);
        assertThat(row.allocPerOp()).isEqualTo(9000);
    }

    @Test
    void readsAcquiredSectionsOfContendedRuns() {
        Report report = Report.parse("[" + contended("engine", 500, 120) + "]");

        Report.Row row = report.find("ContendedBenchmark", "engine", 5, 8).orElseThrow();
        assertThat(row.throughput()).isEqualTo(500);
        assertThat(row.acquired()).isEqualTo(120);
    }

    @Test
    void judgesTargetsAgainstTheLimitAndRedissonInTheSameRun() {
        String json = "[" + String.join(",",
                sample("limit", 5, 1, 400, 380, 900, 3000),
                sample("engine", 5, 1, 420, 400, 1000, 6000),
                sample("redissonRedLock", 5, 1, 2400, 2300, 5000, 60000),
                sample("limit", 5, 16, 1000, 900, 3000, 3000),
                sample("engine", 5, 16, 1200, 1000, 3500, 6000),
                sample("redissonRedLock", 5, 16, 9000, 8000, 20000, 60000)) + "]";

        String markdown = Report.parse(json).markdown();

        assertThat(markdown).contains("| 5 nodes, 1 thread: p50 latency ≤ 1.15 × limit | 1.05 ×")
                .contains("| 5 nodes, 1 thread: ≥ 3 × faster than Redisson RedLock (p50) | 5.8 ×")
                .contains("| 5 nodes, 16 threads: throughput ≥ 0.9 × limit | 0.83 ×")
                .contains("| 5 nodes, 16 threads: throughput ≥ 10 × Redisson RedLock | 7.5 ×")
                .contains("| advice adds ≤ 10 µs at p50 over a direct engine call | not measured | NOT MEASURED |");
        assertThat(markdown.lines().filter(l -> l.startsWith("| 5 nodes")).map(l -> l.substring(l.lastIndexOf("| ", l.length() - 3))))
                .containsExactly("| MET |", "| MET |", "| MISSED |", "| MISSED |");
    }

    @Test
    void parsesEscapesAndNonFiniteNumbers() {
        Object parsed = Json.parse("{\"a\":\"x\\\"y\\u0041\",\"b\":[1,-2.5e3,\"NaN\",null,true]}");

        assertThat(parsed).hasToString("{a=x\"yA, b=[1.0, -2500.0, NaN, null, true]}");
        assertThat(Json.number("NaN")).isNaN();
        assertThat(Json.number(3.0)).isEqualTo(3.0);
    }
}
