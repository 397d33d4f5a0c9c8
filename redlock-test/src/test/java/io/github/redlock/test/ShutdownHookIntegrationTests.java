package io.github.redlock.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Nodes that a program never closes are killed, and their directories deleted, when its JVM ends. */
@Timeout(90)
class ShutdownHookIntegrationTests {

    private final List<String> nodes = new ArrayList<>();
    private Process child;

    /** If the hook failed, the test must not leak what it checks: kill and delete what is left. */
    @AfterEach
    void cleanUpWhatTheHookLeft() {
        if (child != null) {
            child.destroyForcibly();
        }
        for (String node : nodes) {
            ProcessHandle.of(pid(node)).ifPresent(ProcessHandle::destroyForcibly);
            ProcessReaper.deleteTree(Paths.get(node.split(" ", 4)[3]));
        }
    }

    @Test
    void nodesLeftOpenAreKilledWhenTheJvmExits() throws Exception {
        child = startChild("exit");
        readNodes();

        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertCleanedUp(nodes);
    }

    @Test
    void nodesLeftOpenAreKilledWhenTheJvmIsTerminated() throws Exception {
        child = startChild("wait");
        readNodes();
        assertThat(nodes).allMatch(line -> isAlive(pid(line)));

        child.destroy();

        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertCleanedUp(nodes);
    }

    private static Process startChild(String mode) throws IOException {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        return new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                LeakyNodesMain.class.getName(), mode)
                .redirectErrorStream(true)
                .start();
    }

    /** Collects the "node <pid> <port> <dir>" lines the child prints before "ready"; its output ends when it exits. */
    private void readNodes() throws IOException {
        StringBuilder output = new StringBuilder();
        BufferedReader reader = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null) {
            output.append(line).append('\n');
            if (line.startsWith("node ")) {
                nodes.add(line);
            } else if (line.equals("ready")) {
                assertThat(nodes).hasSize(2);
                return;
            }
        }
        throw new AssertionError("The child JVM ended without starting its nodes:\n" + output);
    }

    private static void assertCleanedUp(List<String> started) {
        for (String node : started) {
            String[] fields = node.split(" ", 4);
            assertThat(isAlive(pid(node))).as("redis-server %s still running", fields[1]).isFalse();
            assertThat(Files.exists(Paths.get(fields[3]))).as("directory %s left behind", fields[3]).isFalse();
            assertThat(Loopback.refusesConnections(Integer.parseInt(fields[2]))).isTrue();
        }
    }

    private static long pid(String nodeLine) {
        return Long.parseLong(nodeLine.split(" ")[1]);
    }

    private static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
