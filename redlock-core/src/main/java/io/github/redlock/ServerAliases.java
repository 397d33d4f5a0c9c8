package io.github.redlock;

import io.github.redlock.internal.LettuceNode;
import io.github.redlock.internal.Quorum;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One server, one vote: finds configured entries that are the same Redis server under different
 * addresses ({@code 127.0.0.1} and {@code localhost}, a host name and its IP), by the {@code run_id}
 * each node learned from {@code INFO server} after connecting. A node whose run_id is unknown (INFO
 * refused by an ACL, no answer) is never taken for an alias. At startup an alias is refused, or,
 * when the quorum is not required on startup, taken out (never counted) and reported once; so is an
 * entry unreachable at startup that turns out to be an alias when it first connects; after a
 * reconnect an alias is only reported, once per pair.
 */
final class ServerAliases {

    private static final System.Logger LOG = System.getLogger(Redlock.class.getName());

    private final List<LettuceNode> nodes;
    private final List<RedisServer> servers;
    // Guarded by this: pairs "i,j" (i < j) already reported or refused.
    private final Set<String> reported = new HashSet<>();
    // Guarded by this: entries whose server was identified at startup or since.
    private final Set<Integer> identified = new HashSet<>();
    // Guarded by this: entries taken out as aliases of another entry.
    private final Set<Integer> taken = new HashSet<>();
    private volatile boolean started;

    ServerAliases(List<LettuceNode> nodes, List<RedisServer> servers) {
        this.nodes = nodes;
        this.servers = servers;
        for (int i = 0; i < nodes.size(); i++) {
            int index = i;
            nodes.get(i).onIdentified(() -> identifiedAgain(index));
        }
    }

    /**
     * Checks the nodes connected at startup. Each entry that is the same server as an earlier one is
     * refused (with {@code refuse}) or excluded for good: every command on it then fails, so the one
     * server casts one vote and the quorum, still counted over all entries, can never be made up by it.
     *
     * @return the entries excluded, by index, each with why
     * @throws InvalidRedlockSettingException naming both entries, when {@code refuse} and an alias was found
     */
    Map<Integer, String> checkAtStartup(boolean refuse) {
        Map<Integer, String> aliases = new TreeMap<>(); // later entry -> why it is the same server as an earlier one
        // One decision under the lock, over one reading of the run_ids: an entry identified meanwhile
        // waits for it (identifiedAgain), so the two paths never each take out one entry of a pair.
        synchronized (this) {
            started = true;
            List<@Nullable String> ids = new ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                String id = nodes.get(i).runId();
                ids.add(id);
                if (id != null) {
                    identified.add(i);
                }
            }
            for (int later = 1; later < nodes.size(); later++) {
                String id = ids.get(later);
                for (int first = 0; first < later && id != null; first++) {
                    if (aliases.containsKey(first) || !id.equals(ids.get(first))) {
                        continue;
                    }
                    String same = same(first, later, id);
                    if (refuse) {
                        throw new InvalidRedlockSettingException("servers", later,
                                same + ": list each server once; a quorum needs independent servers");
                    }
                    reported.add(first + "," + later);
                    taken.add(later);
                    aliases.put(later, same);
                    break;
                }
            }
        }
        Map<Integer, String> excluded = new TreeMap<>();
        aliases.forEach((later, same) -> {
            String why = "not counted: " + same;
            excluded.put(later, why);
            nodes.get(later).exclude(why);
            LOG.log(Level.WARNING, "Redlock: " + same + ". servers[" + later
                    + "] is not counted: every lock command on it fails, so that one server cannot cast two votes;"
                    + " the quorum stays " + Quorum.of(nodes.size()) + " of " + nodes.size() + " entries. List each"
                    + " server once; a quorum needs independent servers");
        });
        return excluded;
    }

    /**
     * After a connection made once started. An entry identified for the first time (it was not
     * reachable at startup) that is the same server as another entry is excluded, as at startup;
     * otherwise (a reconnect) another entry that is now the same server is reported, once per pair.
     */
    private void identifiedAgain(int index) {
        String id = nodes.get(index).runId();
        if (!started || id == null) {
            return;
        }
        // One decision at a time: two entries of one server identified at the same instant must not
        // each find the other and both be taken out. Only entries identified before this one count.
        int alias = -1;
        boolean firstTime;
        boolean report = false;
        synchronized (this) {
            if (taken.contains(index)) {
                return;
            }
            firstTime = identified.add(index);
            for (int other = 0; other < nodes.size(); other++) {
                if (other != index && identified.contains(other) && !taken.contains(other)
                        && id.equals(nodes.get(other).runId())) {
                    alias = other;
                    report = reported.add(Math.min(index, other) + "," + Math.max(index, other));
                    if (firstTime) {
                        taken.add(index);
                    }
                    break;
                }
            }
        }
        if (alias < 0) {
            return;
        }
        String same = same(Math.min(index, alias), Math.max(index, alias), id);
        if (firstTime) {
            LOG.log(Level.WARNING, "Redlock: " + same + ". servers[" + index + "], unreachable at startup, is not"
                    + " counted: every lock command on it fails, so that one server cannot cast two votes. List each"
                    + " server once; a quorum needs independent servers");
            // Not on this thread: it may be the connection's I/O thread, which closing must not block.
            java.util.concurrent.ForkJoinPool.commonPool().execute(() -> nodes.get(index).exclude("not counted: " + same));
        } else if (report) {
            LOG.log(Level.WARNING, "Redlock: after a reconnect, " + same + ": that server now"
                    + " counts two votes towards the quorum. List each server once; a quorum needs independent servers");
        }
    }

    private String same(int first, int later, @Nullable String id) {
        return "servers[" + first + "] " + servers.get(first) + " and servers[" + later + "] " + servers.get(later)
                + " are the same Redis server (run_id " + Objects.requireNonNull(id) + ")";
    }
}
