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
import org.jspecify.annotations.Nullable;

/**
 * The checks of one node's configuration, after each of its connections (the first at startup, then
 * each reconnection, since a restarted server may come back with another configuration), in the
 * background: startup and calls never wait for them. Each says what it finds once per change, not
 * per connection: a WARN (or INFO) when the finding changes, an INFO when it is fixed, a DEBUG when
 * nothing changed. The first connection is compared with a node that is fine.
 *
 * <ul>
 * <li>Memory: a {@code maxmemory-policy} other than {@code noeviction} with a {@code maxmemory} set
 *     is a WARN (the server evicts keys at the limit, lock keys included); with {@code maxmemory 0}
 *     (no limit: nothing is evicted) an INFO. Silent when neither CONFIG nor INFO answers.
 * <li>ACL: which commands the engine sends the connection's user may not run on the lock keys
 *     (asked with {@code redis.acl_check_cmd}, Redis 7 on, which runs none of them). A required one
 *     refused is a WARN: locks fail on this node. Only optional ones refused is an INFO: a feature
 *     degrades. Silent (DEBUG) when the server cannot tell (Redis 6, no answer).
 * </ul>
 */
final class NodeChecks {

    private static final System.Logger LOG = System.getLogger(Redlock.class.getName());

    /** A command the engine sends, with arguments shaped as it sends them, and what refusing it costs. */
    private record Probe(String name, List<String> command, boolean required, String without) {
    }

    private final LettuceNode node;
    private final String keyPattern;
    private final List<Probe> probes;
    // Guarded by this: the last findings said (the first connection is compared with a node that is fine).
    private String memoryFinding = "noeviction";
    private Set<String> aclFinding = Set.of();

    private NodeChecks(LettuceNode node, String keyPrefix, String fencingCounterKey) {
        this.node = node;
        this.keyPattern = "~" + keyPrefix + "*";
        this.probes = probes(keyPrefix + "redlock-acl-check", fencingCounterKey);
    }

    /** Checks each node after each of its connections. */
    static void watch(List<LettuceNode> nodes, RedlockOptions options) {
        for (LettuceNode node : nodes) {
            NodeChecks checks = new NodeChecks(node, options.keyPrefix(), options.fencingCounterKey());
            node.onIdentified(checks::run);
        }
    }

    private static List<Probe> probes(String key, String counter) {
        String queue = Waiting.queueKey(key);
        String channel = Waiting.channel(key);
        String locks = "locks fail on this node";
        String notices = "waiting calls are not told of releases and poll instead";
        String queued = "waiting calls poll without a waiter queue (no turns)";
        String fencing = "fenced locks fail on this node";
        return List.of(
                new Probe("EVAL", List.of("EVAL", "return 0", "1", key), true, locks),
                new Probe("EVALSHA", List.of("EVALSHA", "0".repeat(40), "1", key), true, locks),
                new Probe("SET", List.of("SET", key, "v", "NX", "PX", "1000"), true, locks),
                new Probe("GET", List.of("GET", key), true, locks),
                new Probe("DEL", List.of("DEL", key), true, locks),
                new Probe("PEXPIRE", List.of("PEXPIRE", key, "1000"), true, locks),
                new Probe("PING", List.of("PING"), true, "the health check and node probes fail"),
                new Probe("PUBLISH", List.of("PUBLISH", channel, ""), false, notices),
                new Probe("SUBSCRIBE", List.of("SUBSCRIBE", channel), false, notices),
                new Probe("ZRANGE", List.of("ZRANGE", queue, "0", "-1", "WITHSCORES"), false, queued),
                new Probe("ZADD", List.of("ZADD", queue, "1", "m"), false, queued),
                new Probe("ZREM", List.of("ZREM", queue, "m"), false, queued),
                new Probe("PTTL", List.of("PTTL", queue), false, queued),
                new Probe("TIME", List.of("TIME"), false, queued + "; " + fencing),
                new Probe("HGET", List.of("HGET", counter, "counter"), false, fencing),
                new Probe("HMGET", List.of("HMGET", counter, "counter", "lost_at"), false, fencing),
                new Probe("HSET", List.of("HSET", counter, "counter", "1"), false, fencing),
                new Probe("INFO", List.of("INFO", "server"), false,
                        "the same server under two addresses goes unnoticed, and this check reads no maxmemory-policy"
                                + " without CONFIG"));
    }

    private void run() {
        node.memoryConfig().thenAccept(this::memory);
        node.refusedCommands(probes.stream().map(Probe::command).toList()).thenAccept(this::acl);
    }

    private void memory(@Nullable MemoryConfig config) {
        if (config == null) {
            return;
        }
        String finding = !config.evicting() ? "noeviction"
                : config.maxmemory() == 0 ? "unlimited " + config.policy() : "evicting " + config.policy();
        synchronized (this) {
            if (finding.equals(memoryFinding)) {
                LOG.log(Level.DEBUG, "Redlock node {0} checked after connecting: maxmemory-policy unchanged ({1})",
                        node.address(), config.policy());
                return;
            }
            memoryFinding = finding;
        }
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
        synchronized (this) {
            if (refused.equals(aclFinding)) {
                LOG.log(Level.DEBUG, "Redlock node {0} checked after connecting: ACL unchanged (refuses {1})",
                        node.address(), refused);
                return;
            }
            aclFinding = Set.copyOf(refused);
        }
        if (refused.isEmpty()) {
            LOG.log(Level.INFO, "Redlock node {0}: its ACL now allows every command the engine sends", node.address());
            return;
        }
        LOG.log(refused.stream().anyMatch(this::required) ? Level.WARNING : Level.INFO, describe(refused, why != null));
    }

    private boolean required(String name) {
        return probes.stream().anyMatch(p -> p.name().equals(name) && p.required());
    }

    /** The finding, naming the node, the user (never the password), the commands, what each costs, and the fix. */
    private String describe(Set<String> refused, boolean evalOnly) {
        List<String> required = refused.stream().filter(this::required).toList();
        List<String> optional = refused.stream().filter(name -> !required(name)).toList();
        Map<String, List<String>> costs = new LinkedHashMap<>();
        for (String name : optional) {
            for (Probe probe : probes) {
                if (probe.name().equals(name)) {
                    for (String cost : probe.without().split("; ")) {
                        costs.computeIfAbsent(cost, c -> new ArrayList<>()).add(name);
                    }
                }
            }
        }
        String user = node.aclUser();
        StringBuilder text = new StringBuilder("Redlock node ").append(node.address()).append(": its ACL user '")
                .append(user).append("' may not run ");
        if (!required.isEmpty()) {
            text.append(String.join(", ", required)).append(" on the lock keys, which every lock needs: locks fail on"
                    + " this node (ERROR, counted against the quorum) until the ACL allows them");
            if (evalOnly) {
                text.append(" (the other commands are checked by a script, so they could not be)");
            }
            if (!optional.isEmpty()) {
                text.append("; nor, optional, ");
            }
        }
        if (!optional.isEmpty()) {
            text.append(costs.entrySet().stream().map(e -> String.join(", ", e.getValue()) + " (" + e.getKey() + ")")
                    .collect(Collectors.joining(", ")));
            if (required.isEmpty()) {
                text.append("; locks work");
            }
        }
        text.append(". Fix: ACL SETUSER ").append(user).append(' ')
                .append(refused.stream().map(name -> "+" + name.toLowerCase(Locale.ROOT)).collect(Collectors.joining(" ")))
                .append(" (and in the ACL file); a refusal may also be the key or channel pattern: the lock keys need ")
                .append(keyPattern).append(", the release channels &").append(Waiting.CHANNEL_PREFIX).append('*');
        return text.toString();
    }
}
