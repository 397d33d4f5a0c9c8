package io.github.redlock.test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A program that starts nodes and never closes them, run in a child JVM by
 * {@link ShutdownHookIntegrationTests}: with {@code exit} it returns from main at once, with
 * {@code wait} it waits (at most 60 s) to be terminated.
 */
final class LeakyNodesMain {

    private LeakyNodesMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        RedisNodes nodes = RedisNodes.start(2);
        nodes.node(1).pause();
        for (RedisNode node : nodes) {
            System.out.println("node " + node.pid() + " " + node.port() + " " + node.logFile().getParent());
        }
        System.out.println("ready");
        System.out.flush();
        if (args.length > 0 && args[0].equals("wait")) {
            new CountDownLatch(1).await(60, TimeUnit.SECONDS);
        }
    }
}
