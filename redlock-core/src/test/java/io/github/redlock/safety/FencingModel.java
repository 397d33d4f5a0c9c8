package io.github.redlock.safety;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * The randomized model check of fencing.md §6.5, ported to Java: an event-driven simulation of the
 * fencing protocol (not of this library's code) on N in-memory nodes with their own clocks, in
 * virtual microseconds. Messages take 5-400 µs, 3% of them 20-200 ms, and 2% of replies are lost;
 * TTL 100 ms, per-phase timeout 5 ms; holders release after up to 50 ms or (one in five) pause and
 * let the key expire; nodes may restart empty. Every hand-out goes to a {@link FencingChecker},
 * whose C1 judges Theorem A on every pair. A run is a pure function of its settings and seed.
 */
final class FencingModel {

    /** The protocol variant. */
    enum Protocol {
        /** Counters only, the token handed out after the mint. */
        NO_PHASE_2,
        /** The write-back is sent, but the token is handed out without waiting for it. */
        WRITE_BACK_NOT_AWAITED,
        /** Mint, then write back to all nodes and wait for a quorum of holders' confirmations. */
        TWO_PHASE
    }

    /** One configuration of the model. */
    record Settings(int nodes, int clients, Protocol protocol, boolean floor, long skewMicros, long restartDownMicros,
            long runMicros) {
    }

    /** What one run produced. */
    record Outcome(int grants, int violations) {
    }

    private static final long START = 1_800_000_000_000_000L;
    private static final long TTL = 100_000;
    private static final long TIMEOUT = 5_000;
    private static final long DRIFT = TTL / 100 + 2_000;

    private record Event(long at, long order, Runnable action) {
    }

    private final class Node {
        final long offset;
        Long counter = 0L;
        String key;
        long keyExpires;
        long downUntil = Long.MIN_VALUE;

        Node(long offset) {
            this.offset = offset;
        }

        boolean up() {
            return now >= downUntil;
        }

        String holder() {
            return key != null && keyExpires > now ? key : null;
        }

        /** Phase 1: SET NX and mint; returns the token, or -1 when refused. */
        long mint(String value) {
            if (holder() != null) {
                return -1;
            }
            key = value;
            keyExpires = now + TTL;
            long base = counter == null ? 0 : counter;
            long minted = settings.floor() ? Math.max(base + 1, now + offset) : base + 1;
            counter = minted;
            return minted;
        }

        /** Phase 2: raise the counter; whether this node still holds the value. */
        boolean writeBack(String value, long token) {
            counter = counter == null ? token : Math.max(counter, token);
            return value.equals(holder());
        }

        void release(String value) {
            if (value.equals(holder())) {
                key = null;
            }
        }

        void restart(long down) {
            downUntil = now + down;
            counter = null;
            key = null;
        }
    }

    private final Settings settings;
    private final Random random;
    private final PriorityQueue<Event> events = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
            : Long.compare(a.order, b.order));
    private final List<Node> nodes = new ArrayList<>();
    private final FencingChecker checker = new FencingChecker();
    private long now = START;
    private long order;
    private long values;

    private FencingModel(Settings settings, long seed) {
        this.settings = settings;
        this.random = new Random(seed);
        for (int i = 0; i < settings.nodes(); i++) {
            nodes.add(new Node(settings.skewMicros() == 0 ? 0 : (long) (random.nextDouble() * settings.skewMicros())));
        }
    }

    static Outcome run(Settings settings, long seed) {
        FencingModel model = new FencingModel(settings, seed);
        return model.run();
    }

    private Outcome run() {
        for (int c = 0; c < settings.clients(); c++) {
            String client = "c" + c;
            at(random.nextInt(1_000), () -> attempt(client));
        }
        if (settings.restartDownMicros() > 0) {
            for (Node node : nodes) {
                at(50_000 + random.nextInt(300_000), () -> restartLoop(node));
            }
        }
        long end = START + settings.runMicros();
        while (!events.isEmpty() && events.peek().at <= end) {
            Event event = events.poll();
            now = event.at;
            event.action.run();
        }
        return new Outcome(checker.grants().size(), checker.contractViolations().size());
    }

    private void at(long delay, Runnable action) {
        events.add(new Event(now + delay, order++, action));
    }

    private long delay() {
        return random.nextInt(100) < 3 ? 20_000 + random.nextInt(180_000) : 5 + random.nextInt(396);
    }

    /** Sends to a node and, unless the reply is lost, brings the reply back; nothing when the node is down. */
    private void send(Node node, java.util.function.Supplier<Long> request, java.util.function.LongConsumer reply) {
        at(delay(), () -> {
            if (!node.up()) {
                return;
            }
            long answer = request.get();
            if (random.nextInt(100) >= 2) {
                at(delay(), () -> reply.accept(answer));
            }
        });
    }

    private void restartLoop(Node node) {
        node.restart(settings.restartDownMicros());
        at(200_000 + random.nextInt(400_000), () -> restartLoop(node));
    }

    private void attempt(String client) {
        long start = now;
        String value = client + "-" + values++;
        int quorum = settings.nodes() / 2 + 1;
        long[] best = {0};
        int[] granted = {0};
        boolean[] decided = {false};
        for (Node node : nodes) {
            send(node, () -> node.mint(value), token -> {
                if (token < 0 || decided[0]) {
                    return;
                }
                best[0] = Math.max(best[0], token);
                if (++granted[0] == quorum) {
                    decided[0] = true;
                    if (now - start < TTL - DRIFT) {
                        phase2(client, value, start, best[0]);
                    } else {
                        fail(client, value);
                    }
                }
            });
        }
        at(TIMEOUT, () -> {
            if (!decided[0]) {
                decided[0] = true;
                fail(client, value);
            }
        });
    }

    private void phase2(String client, String value, long start, long token) {
        int quorum = settings.nodes() / 2 + 1;
        if (settings.protocol() != Protocol.NO_PHASE_2) {
            int[] holds = {0};
            boolean[] decided = {false};
            for (Node node : nodes) {
                send(node, () -> node.writeBack(value, token) ? 1L : 0L, held -> {
                    if (settings.protocol() != Protocol.TWO_PHASE || decided[0] || held == 0) {
                        return;
                    }
                    if (++holds[0] == quorum) {
                        decided[0] = true;
                        if (now < start + TTL - DRIFT) {
                            handOut(client, value, start, token);
                        } else {
                            fail(client, value);
                        }
                    }
                });
            }
            if (settings.protocol() == Protocol.TWO_PHASE) {
                at(TIMEOUT, () -> {
                    if (!decided[0]) {
                        decided[0] = true;
                        fail(client, value);
                    }
                });
                return;
            }
        }
        handOut(client, value, start, token);
    }

    private void handOut(String client, String value, long start, long token) {
        long validityEnd = start + TTL - DRIFT;
        FencedGrant grant = FencedGrant.open("r", client, value, token, start, now);
        if (random.nextInt(5) == 0) {
            checker.record(grant.endedAt(validityEnd));
            at(validityEnd - now + random.nextInt(20_000), () -> attempt(client));
        } else {
            long hold = random.nextInt(50_000);
            at(hold, () -> {
                checker.record(grant.endedAt(Math.min(now, validityEnd)));
                release(value);
                at(random.nextInt(10_000), () -> attempt(client));
            });
        }
    }

    private void fail(String client, String value) {
        release(value);
        at(random.nextInt(10_000), () -> attempt(client));
    }

    private void release(String value) {
        for (Node node : nodes) {
            send(node, () -> {
                node.release(value);
                return 0L;
            }, ignored -> { });
        }
    }
}
