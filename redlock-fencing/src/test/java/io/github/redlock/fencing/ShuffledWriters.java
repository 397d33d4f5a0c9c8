package io.github.redlock.fencing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The guards' concurrency check: concurrent writers present the tokens {@code 1..total}, shuffled
 * with a fixed seed, taking them from one queue until it is empty. Each writer opens its own
 * resources first (a connection, a client), then all start at once, and closes them when done. Every writer is awaited at most
 * {@value #WAIT_SECONDS} s; the first failure of any writer is thrown.
 */
final class ShuffledWriters {

    static final int WAIT_SECONDS = 120;

    /** One writer's write of one token. */
    @FunctionalInterface
    interface Writer {

        void write(long token) throws Exception;

        /** Called on the writer's thread once it has no token left, or failed; by default nothing. */
        default void finish() throws Exception {
        }

        /** {@code writer}, closing {@code resource} when it finishes. */
        static Writer closing(AutoCloseable resource, Writer writer) {
            return new Writer() {
                @Override
                public void write(long token) throws Exception {
                    writer.write(token);
                }

                @Override
                public void finish() throws Exception {
                    resource.close();
                }
            };
        }
    }

    private ShuffledWriters() {
    }

    /** Runs {@code writers} writers, each opened by {@code open} on its own thread, over the tokens 1..{@code total}. */
    static void run(int writers, int total, Callable<Writer> open) throws Exception {
        List<Long> tokens = new ArrayList<>();
        for (long token = 1; token <= total; token++) {
            tokens.add(token);
        }
        Collections.shuffle(tokens, new Random(24));
        ConcurrentLinkedQueue<Long> queue = new ConcurrentLinkedQueue<>(tokens);
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                results.add(pool.submit(() -> {
                    Writer writer = open.call();
                    try {
                        start.await();
                        for (Long token = queue.poll(); token != null; token = queue.poll()) {
                            writer.write(token);
                        }
                    } finally {
                        writer.finish();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> result : results) {
                result.get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
