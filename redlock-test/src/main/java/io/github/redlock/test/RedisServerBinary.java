package io.github.redlock.test;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The {@code redis-server} executable that nodes run, and its version.
 *
 * <p>{@link #resolve()} looks, in this order, for:
 * <ol>
 *   <li>the system property {@value #PROPERTY}, then the environment variable {@value #ENV}: the
 *       path of a {@code redis-server} binary, or the word {@code embedded} to force the binary
 *       shipped in the embedded-redis jar. A path that is not an executable file is an error
 *       (there is no silent fallback when a binary was asked for explicitly);</li>
 *   <li>{@code redis-server} on the {@code PATH};</li>
 *   <li>the binary shipped inside the {@code com.github.codemonstur:embedded-redis} jar for this
 *       OS and CPU (Linux x86-64, x86, arm64; macOS x86-64, arm64; Redis 6.2), extracted once per
 *       JVM into a temporary file that is deleted when the JVM exits.</li>
 * </ol>
 * Running Redis in a container (Testcontainers) is not supported: this module has no Docker
 * dependency. When none of the above is found, {@link #resolve()} throws an
 * {@link IllegalStateException} that says what to install.
 *
 * <p>The first successful resolution logs one line at INFO on the {@code io.github.redlock.test}
 * {@link System.Logger} with the binary's path, where it came from, and its version.
 */
public final class RedisServerBinary {

    /** System property naming the binary to use, or {@code embedded}. */
    public static final String PROPERTY = "redlock.test.redis-server";

    /** Environment variable naming the binary to use, or {@code embedded}; the property wins. */
    public static final String ENV = "REDLOCK_TEST_REDIS_SERVER";

    static final String EMBEDDED = "embedded";

    private static final System.Logger LOG = System.getLogger("io.github.redlock.test");
    private static final Pattern VERSION = Pattern.compile("\\bv=(\\d+)\\.(\\d+)\\.(\\d+)\\S*");
    private static final long VERSION_TIMEOUT_SECONDS = 10;

    private static @Nullable RedisServerBinary resolved;
    private static @Nullable RedisServerBinary embedded;

    private final Path path;
    private final String source;
    private final String version;
    private final int majorVersion;

    RedisServerBinary(Path path, String source, String version) {
        this.path = path;
        this.source = source;
        this.version = version;
        this.majorVersion = Integer.parseInt(version.substring(0, version.indexOf('.')));
    }

    /**
     * The binary nodes use by default, resolved once per JVM (see the class description for the
     * order). A failed resolution is not cached: the next call tries again.
     *
     * @throws IllegalStateException if no usable binary was found, the configured one is not an
     *         executable file, or the binary does not run (its {@code --version} fails or takes
     *         longer than 10 s)
     */
    public static synchronized RedisServerBinary resolve() {
        RedisServerBinary binary = resolved;
        if (binary == null) {
            binary = locate(System.getProperty(PROPERTY), System.getenv(ENV), System.getenv("PATH"),
                    System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
            resolved = binary;
            LOG.log(Level.INFO, "redlock-test uses redis-server {0} (version {1}, from {2})",
                    binary.path, binary.version, binary.source);
        }
        return binary;
    }

    /**
     * The binary from the embedded-redis jar for this OS and CPU, extracted once per JVM,
     * whatever {@link #resolve()} would choose. Package-private: a hook for tests of the
     * fallback path.
     *
     * @throws IllegalStateException if the jar has no binary for this platform or it does not run
     */
    static synchronized RedisServerBinary embedded() {
        RedisServerBinary binary = embedded;
        if (binary == null) {
            String osName = System.getProperty("os.name", "");
            String osArch = System.getProperty("os.arch", "");
            String resource = embeddedResourceName(osName, osArch);
            if (resource == null) {
                throw new IllegalStateException("The embedded-redis jar has no redis-server for "
                        + osName + " " + osArch);
            }
            binary = extractEmbedded(resource);
            embedded = binary;
        }
        return binary;
    }

    /** The executable file. */
    public Path path() {
        return path;
    }

    /** The version reported by {@code redis-server --version}, for example {@code 7.0.15}. */
    public String version() {
        return version;
    }

    /**
     * Where the binary was found: {@code system property redlock.test.redis-server},
     * {@code environment variable REDLOCK_TEST_REDIS_SERVER}, {@code PATH}, or
     * {@code embedded-redis jar (<resource name>)}.
     */
    public String source() {
        return source;
    }

    int majorVersion() {
        return majorVersion;
    }

    /** {@code --enable-debug-command} exists since Redis 7.0 (DEBUG is refused by default there). */
    boolean supportsEnableDebugCommand() {
        return majorVersion >= 7;
    }

    @Override
    public String toString() {
        return "redis-server " + version + " at " + path + " (from " + source + ")";
    }

    static RedisServerBinary locate(@Nullable String property, @Nullable String env, @Nullable String pathVariable,
            String osName, String osArch) {
        if (property != null && !property.isBlank()) {
            return explicit(property.trim(), "system property " + PROPERTY);
        }
        if (env != null && !env.isBlank()) {
            return explicit(env.trim(), "environment variable " + ENV);
        }
        Path onPath = findOnPath(pathVariable, "redis-server");
        if (onPath != null) {
            return inspect(onPath, "PATH");
        }
        String resource = embeddedResourceName(osName, osArch);
        if (resource != null && RedisServerBinary.class.getResource("/" + resource) != null) {
            return extractEmbedded(resource);
        }
        throw new IllegalStateException("No redis-server binary found: none on the PATH (" + pathVariable
                + "), none set with -D" + PROPERTY + " or " + ENV + ", and the embedded-redis jar "
                + (resource == null ? "has no binary for " + osName + " " + osArch : "is not on the class path")
                + ". Install Redis (for example 'apt-get install redis-server' or 'brew install redis') or point "
                + PROPERTY + " at a redis-server binary. Docker/Testcontainers is not supported by redlock-test.");
    }

    private static RedisServerBinary explicit(String value, String source) {
        if (value.equalsIgnoreCase(EMBEDDED)) {
            return embedded();
        }
        Path path = Paths.get(value);
        if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
            throw new IllegalStateException(source + " is '" + value + "', which is not an executable file");
        }
        return inspect(path, source);
    }

    /** The first executable regular file called {@code name} in a PATH-style list, or null. */
    static @Nullable Path findOnPath(@Nullable String pathVariable, String name) {
        if (pathVariable == null) {
            return null;
        }
        for (String directory : pathVariable.split(Pattern.quote(File.pathSeparator), -1)) {
            if (directory.isEmpty()) {
                continue;
            }
            Path candidate;
            try {
                candidate = Paths.get(directory, name);
            } catch (InvalidPathException e) {
                continue;
            }
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * The name of the resource in the embedded-redis 1.4.x jar for this OS and CPU (as reported
     * by the {@code os.name} and {@code os.arch} system properties), or null when it ships none.
     */
    static @Nullable String embeddedResourceName(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String arch = osArch.toLowerCase(Locale.ROOT);
        boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
        boolean arm64 = arch.equals("aarch64") || arch.equals("arm64");
        boolean x86 = arch.equals("x86") || arch.equals("i386") || arch.equals("i486") || arch.equals("i586")
                || arch.equals("i686");
        if (os.startsWith("linux")) {
            if (x64) {
                return "redis-server-6.2.6-v5-linux-amd64";
            }
            if (arm64) {
                return "redis-server-6.2.7-linux-arm64";
            }
            if (x86) {
                return "redis-server-6.2.7-linux-386";
            }
        } else if (os.startsWith("mac") || os.startsWith("darwin")) {
            if (x64) {
                return "redis-server-6.2.6-v5-darwin-amd64";
            }
            if (arm64) {
                return "redis-server-6.2.6-v5-darwin-arm64";
            }
        }
        return null;
    }

    /**
     * The {@code x.y.z} version in {@code redis-server --version} output such as
     * {@code Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=...}.
     *
     * @throws IllegalArgumentException if the output holds no version
     */
    static String parseVersion(String output) {
        Matcher matcher = VERSION.matcher(output);
        if (!matcher.find()) {
            throw new IllegalArgumentException("No 'v=x.y.z' in redis-server --version output: " + output.strip());
        }
        return matcher.group(1) + "." + matcher.group(2) + "." + matcher.group(3);
    }

    private static RedisServerBinary extractEmbedded(String resource) {
        Path file;
        try (InputStream in = RedisServerBinary.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("The embedded-redis jar (com.github.codemonstur:embedded-redis) "
                        + "is not on the class path, or has no resource " + resource);
            }
            file = Files.createTempFile("redlock-test-" + resource + "-", "");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not extract " + resource + " from the embedded-redis jar", e);
        }
        return inspect(file, "embedded-redis jar (" + resource + ")");
    }

    private static RedisServerBinary inspect(Path path, String source) {
        String output = runVersion(path, source);
        try {
            return new RedisServerBinary(path, source, parseVersion(output));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(path + " (from " + source + ") does not look like redis-server: "
                    + e.getMessage(), e);
        }
    }

    private static String runVersion(Path path, String source) {
        Path output = null;
        try {
            output = Files.createTempFile("redlock-test-redis-version-", ".txt");
            Process process = new ProcessBuilder(path.toString(), "--version")
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            if (!process.waitFor(VERSION_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(path + " --version (from " + source + ") did not finish within "
                        + VERSION_TIMEOUT_SECONDS + " s");
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(path + " --version (from " + source + ") exited with "
                        + process.exitValue() + ": " + text.strip());
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("Could not run " + path + " --version (from " + source + "): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + path + " --version", e);
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // a leftover few-byte temp file is harmless
                }
            }
        }
    }
}
