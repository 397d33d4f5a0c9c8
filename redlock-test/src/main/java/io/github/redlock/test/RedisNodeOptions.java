package io.github.redlock.test;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How nodes are started. Immutable: every {@code with...} method returns a new instance.
 *
 * <p>{@link #defaults()}: no persistence at all ({@code --save ''}, {@code --appendonly no}), no
 * password, no extra arguments.
 */
public final class RedisNodeOptions {

    private static final RedisNodeOptions DEFAULTS = new RedisNodeOptions(false, List.of(), null, null);

    private final boolean appendOnly;
    private final List<String> extraArgs;
    private final @Nullable String password;
    private final @Nullable RedisServerBinary binary;

    private RedisNodeOptions(boolean appendOnly, List<String> extraArgs, @Nullable String password,
            @Nullable RedisServerBinary binary) {
        this.appendOnly = appendOnly;
        this.extraArgs = extraArgs;
        this.password = password;
        this.binary = binary;
    }

    /** No persistence, no password, no extra arguments. */
    public static RedisNodeOptions defaults() {
        return DEFAULTS;
    }

    /**
     * With {@code true}, nodes run with {@code --appendonly yes --appendfsync always}, so every
     * acknowledged write survives {@link RedisNode#kill()} and {@link RedisNode#restart()}.
     * Default {@code false}: a restarted node comes back empty.
     */
    public RedisNodeOptions withAppendOnly(boolean appendOnly) {
        return new RedisNodeOptions(appendOnly, extraArgs, password, binary);
    }

    /**
     * Arguments appended to the {@code redis-server} command line after the harness's own (so they
     * can override them), for example {@code List.of("--maxmemory", "10mb")}. Replaces any extra
     * arguments set before; default none.
     *
     * @throws NullPointerException if the list or one of its elements is null
     */
    public RedisNodeOptions withExtraArgs(List<String> extraArgs) {
        return new RedisNodeOptions(appendOnly, List.copyOf(extraArgs), password, binary);
    }

    /**
     * Starts nodes with {@code --requirepass password}; {@link RedisNode#command} then
     * authenticates first and {@link RedisNode#uri()} carries the password. {@code null} (the
     * default) means no password.
     *
     * @throws IllegalArgumentException if the password is empty
     */
    public RedisNodeOptions withPassword(@Nullable String password) {
        if (password != null && password.isEmpty()) {
            throw new IllegalArgumentException("The password must not be empty (use null for none)");
        }
        return new RedisNodeOptions(appendOnly, extraArgs, password, binary);
    }

    /** Package-private hook: run this binary instead of {@link RedisServerBinary#resolve()}. */
    RedisNodeOptions withBinary(RedisServerBinary binary) {
        return new RedisNodeOptions(appendOnly, extraArgs, password, Objects.requireNonNull(binary, "binary"));
    }

    /** Whether nodes persist every write to an append-only file ({@code appendfsync always}). */
    public boolean appendOnly() {
        return appendOnly;
    }

    /** The extra command-line arguments, unmodifiable; empty by default. */
    public List<String> extraArgs() {
        return extraArgs;
    }

    /** The password ({@code requirepass}), if any. */
    public Optional<String> password() {
        return Optional.ofNullable(password);
    }

    @Nullable String passwordOrNull() {
        return password;
    }

    @Nullable RedisServerBinary binary() {
        return binary;
    }

    /** Describes the options; the password is masked. */
    @Override
    public String toString() {
        return "RedisNodeOptions[appendOnly=" + appendOnly + ", extraArgs=" + extraArgs
                + ", password=" + (password == null ? "none" : "****")
                + (binary == null ? "" : ", binary=" + binary) + "]";
    }
}
