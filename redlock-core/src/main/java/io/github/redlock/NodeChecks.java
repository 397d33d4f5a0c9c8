package io.github.redlock;

import io.github.redlock.internal.AclCheck;
import io.github.redlock.internal.LettuceNode;
import io.github.redlock.internal.MemoryConfig;
import io.github.redlock.internal.Waiting;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The checks of one node's configuration, after each of its connections (the first at startup, then
 * each reconnection, since a restarted server may come back with another configuration), in the
 * background: startup and calls never wait for them. Each says what it finds once per change, not
 * per connection: a WARN (or INFO) when the finding changes, an INFO when it is fixed, a DEBUG when
 * nothing changed. The first connection is compared with a node that is fine. At startup the checks
 * run once the nodes that are the same server as another entry were excluded, and never on those.
 * A check that fails (a bug, not a finding) is logged as a WARN.
 *
 * <ul>
 * <li>Memory: a {@code maxmemory-policy} other than {@code noeviction} with a {@code maxmemory} set
 *     is a WARN (the server evicts keys at the limit, lock keys included); with {@code maxmemory 0}
 *     (no limit: nothing is evicted) an INFO. Silent when neither INFO nor CONFIG answers.
 * <li>ACL: which commands the engine sends the connection's user may not run on the lock keys
 *     (asked with {@code redis.acl_check_cmd}, Redis 7 on, which runs none of them). A required one
 *     refused is a WARN naming what it costs (locks fail on this node; for PING, the health check
 *     counts the node as down). Only optional ones refused is an INFO: a feature degrades. Every
 *     command on a key refused while PING and TIME are allowed is an INFO that the key pattern may
 *     not cover the check's key: whether the lock keys are covered cannot be told. Silent (DEBUG)
 *     when the server cannot tell (Redis 6, no answer).
 * </ul>
 */
final class NodeChecks {

    private static final System.Logger LOG = System.getLogger(Redlock.class.getName());

    /**
     * A command the engine sends, with arguments shaped as it sends them, whether it names a key
     * (channels are not keys), and what refusing it costs: for a required one the words after its
     * name, for an optional one the words in parentheses.
     */
    private record Probe(String name, List<String> command, boolean required, boolean keyed, String without) {
    }

    /** The finding of a user whose key pattern does not cover the check's key. */
    private static final Set<String> KEY_PATTERN = Set.of("(key pattern)");

    private final LettuceNode node;
    private final String keyPrefix;
    private final String checkKey;
    private final List<Probe> probes;
    private volatile boolean started;
    // Guarded by this: the last findings said (the first connection is compared with a node that is fine).
    private String memoryFinding = "noeviction";
    private Set<String> aclFinding = Set.of();

    private NodeChecks(LettuceNode node, String keyPrefix, String fencingCounterKey) {
        this.node = node;
        this.keyPrefix = keyPrefix;
        this.checkKey = keyPrefix + "redlock-acl-check";
        this.probes = probes(checkKey, fencingCounterKey);
    }

    /**
     * Checks each node after each of its connections, once {@link #start started}: the connections
     * made before (at startup) are checked by {@code start}.
     */
    static List<NodeChecks> watch(List<LettuceNode> nodes, RedlockOptions options) {
        List<NodeChecks> all = new ArrayList<>();
        for (LettuceNode node : nodes) {
            NodeChecks checks = new NodeChecks(node, options.keyPrefix(), options.fencingCounterKey());
            node.onIdentified(() -> {
                if (checks.started) {
                    checks.run();
                }
            });
            all.add(checks);
        }
        return all;
    }

    /**
     * Checks the node now if it is connected, and after each later connection: called at startup
     * once the entries that are the same server as another were excluded, so that one server is
     * not reported twice. A connection made meanwhile may be checked twice; the second says nothing new.
     */
    void start() {
        started = true;
        if (node.isConnected()) {
            run();
        }
    }

    private static List<Probe> probes(String key, String counter) {
        String queue = Waiting.queueKey(key);
        String channel = Waiting.channel(key);
        String locks = "on the lock keys, which every lock needs: locks fail on this node (ERROR, counted against the"
                + " quorum) until the ACL allows them";
        String notices = "waiting calls are not told of releases and poll instead";
        String queued = "waiting calls poll without a waiter queue (no turns), and releases hand nothing over";
        String fencing = "fenced locks fail on this node";
        return List.of(
                new Probe("EVAL", List.of("EVAL", "return 0", "1", key), true, true, locks),
                new Probe("EVALSHA", List.of("EVALSHA", "0".repeat(40), "1", key), true, true, locks),
                new Probe("SET", List.of("SET", key, "v", "NX", "PX", "1000"), true, true, locks),
                new Probe("GET", List.of("GET", key), true, true, locks),
                new Probe("DEL", List.of("DEL", key), true, true, locks),
                new Probe("PEXPIRE", List.of("PEXPIRE", key, "1000"), true, true, locks),
                new Probe("PING", List.of("PING"), true, false, "(sent by the health indicator and checkNodes()):"
                        + " they count this node as down (the redlock health shows it DOWN) until the ACL allows it;"
                        + " locks work"),
                new Probe("PUBLISH", List.of("PUBLISH", channel, ""), false, false, notices),
                new Probe("SUBSCRIBE", List.of("SUBSCRIBE", channel), false, false, notices),
                new Probe("ZRANGE", List.of("ZRANGE", queue, "0", "-1", "WITHSCORES"), false, true, queued),
                new Probe("ZADD", List.of("ZADD", queue, "1", "m"), false, true, queued),
                new Probe("ZREM", List.of("ZREM", queue, "m"), false, true, queued),
                new Probe("PTTL", List.of("PTTL", queue), false, true, queued),
                new Probe("TIME", List.of("TIME"), false, false, queued + "; " + fencing),
                new Probe("HGET", List.of("HGET", counter, "counter"), false, true, fencing),
                new Probe("HMGET", List.of("HMGET", counter, "counter", "lost_at"), false, true, fencing),
                new Probe("HSET", List.of("HSET", counter, "counter", "1"), false, true, fencing),
                new Probe("INFO", List.of("INFO", "server"), false, false,
                        "the same server under two addresses goes unnoticed, and this check reads the maxmemory-policy"
                                + " with CONFIG instead, or not at all"));
    }

    private void run() {
        if (node.isExcluded()) {
            return;
        }
        node.memoryConfig().thenAccept(this::memory).whenComplete((done, failure) -> failed("memory", failure));
        node.refusedCommands(probes.stream().map(Probe::command).toList()).thenAccept(this::acl)
                .whenComplete((done, failure) -> failed("ACL", failure));
    }

    /** A check that threw: a bug, said rather than lost (the finding stays as it was). */
    private void failed(String check, @Nullable Throwable failure) {
        if (failure != null) {
            LOG.log(Level.WARNING, "Redlock node " + node.address() + ": the " + check + " check after connecting failed",
                    failure);
        }
    }

    private void memory(@Nullable MemoryConfig config) {
        if (config == null) {
            return;
        }
        String finding = !config.evicting() ? "noeviction"
                : config.maxmemory() == 0 ? "unlimited " + config.policy() : "evicting " + config.policy();
        // Said holding this, so that of two checks overlapping the later finding is also the last line.
        synchronized (this) {
            if (node.isExcluded()) {
                return;
            }
            if (finding.equals(memoryFinding)) {
                LOG.log(Level.DEBUG, "Redlock node {0} checked after connecting: maxmemory-policy unchanged ({1})",
                        node.address(), config.policy());
                return;
            }
            memoryFinding = finding;
            if (!config.evicting()) {
                LOG.log(Level.INFO, "Redlock node {0} now has maxmemory-policy noeviction", node.address());
            } else if (config.maxmemory() == 0) {
                LOG.log(Level.INFO, "Redlock node {0} has maxmemory-policy {1} but maxmemory 0 (no limit): nothing is"
                        + " evicted now, but once a maxmemory is set, lock keys may be evicted. Set maxmemory-policy"
                        + " noeviction on lock servers (CONFIG SET maxmemory-policy noeviction and in redis.conf)",
                        node.address(), config.policy());
            } else {
                LOG.log(Level.WARNING, "Redlock node {0} has maxmemory-policy {1}: under memory pressure it evicts"
                        + " keys, lock keys included (volatile-* policies pick keys with a TTL, which every lock key"
                        + " has), and a lock evicted on more than N - quorum nodes can be granted twice. Set"
                        + " maxmemory-policy noeviction on lock servers (CONFIG SET maxmemory-policy noeviction and in"
                        + " redis.conf): a full server then refuses new locks (OOM) instead of forgetting held ones",
                        node.address(), config.policy());
            }
        }
    }

    private void acl(AclCheck check) {
        String why = check.unknownWhy();
        Set<String> refused = new LinkedHashSet<>();
        if (why != null && why.contains("NOPERM") && why.toLowerCase(Locale.ROOT).contains("eval")) {
            refused.add("EVAL"); // the check is a script: nothing else could be asked
        } else if (why != null) {
            LOG.log(Level.DEBUG, "Redlock node {0}: ACL not checked ({1}; the check needs Redis 7)", node.address(), why);
            return;
        }
        check.refused().forEach(index -> refused.add(probes.get(index).name()));
        Set<String> finding = keyPatternMismatch(refused) ? KEY_PATTERN : Set.copyOf(refused);
        // Said holding this, so that of two checks overlapping the later finding is also the last line.
        synchronized (this) {
            if (node.isExcluded()) {
                return;
            }
            // A key pattern that misses the check's key says nothing of the lock keys' queues.
            node.handOvers(finding == KEY_PATTERN || Stream.of("PTTL", "ZRANGE", "ZREM", "TIME").noneMatch(refused::contains));
            if (finding.equals(aclFinding)) {
                LOG.log(Level.DEBUG, "Redlock node {0} checked after connecting: ACL unchanged (refuses {1})",
                        node.address(), refused);
                return;
            }
            aclFinding = finding;
            if (refused.isEmpty()) {
                LOG.log(Level.INFO, "Redlock node {0}: its ACL now allows every command the engine sends", node.address());
            } else if (finding == KEY_PATTERN) {
                LOG.log(Level.INFO, "Redlock node {0}: cannot tell whether its ACL user ''{1}'' may run the commands"
                        + " locks need: it may not run any of them on the key the check uses ({2}), while it may run"
                        + " PING and TIME, which take no key. Check that the user''s key pattern covers the lock keys"
                        + " (prefix ''{3}'': each lock''s key is the prefix and the name given to the call; also"
                        + " <key>{4} when calls wait in turn, and the fencing counter when locks are fenced): a lock"
                        + " on a key outside it fails on this node with NOPERM",
                        node.address(), node.aclUser(), checkKey, keyPrefix, Waiting.QUEUE_SUFFIX);
            } else {
                LOG.log(refused.stream().anyMatch(this::required) ? Level.WARNING : Level.INFO,
                        describe(refused, why != null));
            }
        }
    }

    /**
     * Whether every command on a key was refused while the keyless PING and TIME were allowed: then
     * the user's key pattern probably leaves out the check's key, and the commands may well be
     * allowed on the lock keys (a user limited to {@code ~orders:*}, locking {@code orders:...}).
     */
    private boolean keyPatternMismatch(Set<String> refused) {
        return !refused.contains("PING") && !refused.contains("TIME")
                && probes.stream().filter(Probe::keyed).allMatch(p -> refused.contains(p.name()));
    }

    private boolean required(String name) {
        return probes.stream().anyMatch(p -> p.name().equals(name) && p.required());
    }

    /** The finding, naming the node, the user (never the password), the commands, what each costs, and the fix. */
    private String describe(Set<String> refused, boolean evalOnly) {
        Map<String, List<String>> required = new LinkedHashMap<>();
        Map<String, List<String>> optional = new LinkedHashMap<>();
        for (Probe probe : probes) {
            if (!refused.contains(probe.name())) {
                continue;
            }
            if (probe.required()) {
                required.computeIfAbsent(probe.without(), c -> new ArrayList<>()).add(probe.name());
            } else {
                for (String cost : probe.without().split("; ")) {
                    optional.computeIfAbsent(cost, c -> new ArrayList<>()).add(probe.name());
                }
            }
        }
        String user = node.aclUser();
        StringBuilder text = new StringBuilder("Redlock node ").append(node.address()).append(": its ACL user '")
                .append(user).append("' may not run ");
        text.append(required.entrySet().stream().map(e -> String.join(", ", e.getValue()) + " " + e.getKey())
                .collect(Collectors.joining("; nor ")));
        if (evalOnly) {
            text.append(" (the other commands are checked by a script, so they could not be)");
        }
        if (!optional.isEmpty()) {
            text.append(required.isEmpty() ? "" : "; nor, optional, ").append(optional.entrySet().stream()
                    .map(e -> String.join(", ", e.getValue()) + " (" + e.getKey() + ")")
                    .collect(Collectors.joining(", ")));
            if (required.isEmpty()) {
                text.append("; locks work");
            }
        }
        text.append(". Fix: ACL SETUSER ").append(user).append(' ')
                .append(refused.stream().map(name -> "+" + name.toLowerCase(Locale.ROOT)).collect(Collectors.joining(" ")))
                .append(" (and in the ACL file); a refusal may also be the key or channel pattern: the lock keys need ~")
                .append(keyPrefix).append("*, the release channels &").append(Waiting.CHANNEL_PREFIX).append('*');
        return text.toString();
    }
}
