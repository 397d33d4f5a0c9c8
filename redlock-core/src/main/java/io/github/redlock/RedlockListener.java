package io.github.redlock;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Told what a {@link Redlock} does, for metrics and tracing: each lock call and its result, each
 * release, renewal and fill-in, with what every node did. Register one with
 * {@link Redlock.Builder#listener(RedlockListener)} or {@link Redlock#addListener(RedlockListener)};
 * the Spring Boot auto-configuration registers every {@code RedlockListener} bean, among them its
 * Micrometer meters and observations.
 *
 * <p>{@link #acquiring} is called on the thread that asks for the lock, before the first attempt,
 * so that a listener can read what that thread carries (such as the current trace); everything
 * else may be called on Redis I/O or timer threads. Every method must return quickly, never
 * block, and should not throw: an exception is logged and ignored, and never disturbs the lock
 * call. Resources are the names as given to the {@code Redlock}, without the key prefix; they may
 * be high-cardinality (one per invoice, say), so use {@link LockRequest#name()} to tag metrics. An
 * acquired {@link LockResult} carries its {@link Lease}, whose value is the lock's secret: never
 * log or export it (releases, renewals and fill-ins do not report values).
 */
public interface RedlockListener {

    /**
     * A lock call starts. The returned callback is told its result exactly once, before the caller
     * sees it; also when the call is cancelled or interrupted ({@link LockFailure#INTERRUPTED}),
     * then possibly after the caller's own reaction to the cancellation. Default: ignored. (Should a grant and the caller's interrupt cross, the callback may be told
     * of the grant while the caller gets {@code INTERRUPTED}; the lease is then released at once.)
     *
     * @param request what is locked; {@link LockRequest#name()} is its low-cardinality name, if any
     */
    default Consumer<LockResult> acquiring(LockRequest request) {
        return result -> { };
    }

    /**
     * The work of a locked call starts under {@code lease} ({@link Redlock#execute},
     * {@link Redlock#executeAsync}, {@code @DistributedLock} methods), on the thread that starts it,
     * after {@link #acquiring} was told the result; also for a re-entered lock. The returned
     * {@link Running} hears when that start returned and when the work and its lock ended. Default:
     * ignored.
     */
    default Running running(LockRequest request, Lease lease) {
        return Running.IGNORED;
    }

    /**
     * A locked call's work while it runs, for {@link #running}. Both methods are called once, in
     * order; {@link #returned()} on the thread that started the work.
     */
    interface Running {

        /** Ignores both events. */
        Running IGNORED = new Running() {
        };

        /**
         * The work's start returned on the thread that started it: for work that returns a stage or a
         * publisher, the work goes on elsewhere; otherwise it has ended. A scope opened in
         * {@link RedlockListener#running} is closed here.
         */
        default void returned() {
        }

        /**
         * The work ended and its lock was ended as the request asked (left held for a re-entered lock).
         *
         * @param expired whether the lock's validity ran out (or a kept-alive lock was lost) before the
         *        work ended: another holder may have run meanwhile
         * @param error what the work failed with, or null
         */
        default void finished(boolean expired, @Nullable Throwable error) {
        }
    }

    /**
     * A lock call that never reached an engine: its resource could not be evaluated, or there is no
     * {@link Redlock} to ask. Told by code that makes lock calls for others, such as the
     * {@code @DistributedLock} advice; a {@code Redlock} itself never calls it. Default: ignored.
     *
     * @param name the call's low-cardinality name (the advice's resource template)
     * @param tags the call's tags, as {@link LockRequest#tags()}
     * @param error why the call failed before reaching an engine; null when there was no engine
     */
    default void notAttempted(String name, Map<String, String> tags, @Nullable Throwable error) {
    }

    /**
     * A release was answered: by lease, by resource and value, or with a minimum hold (then
     * {@code released} is what {@link Lease#release()} returns, and {@code nodes}
     * is empty when no node had to be asked: the lease had run out, or its TTL ends with the hold).
     */
    default void released(Release release) {
    }

    /** A renewal ({@link Redlock#extend}, or a keep-alive's: {@link LockRequest#withKeepAlive}) was answered. */
    default void renewed(Renewal renewal) {
    }

    /** One round of setting a granted lease's key on the nodes that had not granted it was answered. */
    default void filledIn(FillInRound round) {
    }

    /**
     * One listener that calls {@code listeners} in order; one that throws is logged and neither
     * stops the others nor disturbs the call.
     *
     * @throws IllegalArgumentException when a listener is null
     */
    static RedlockListener composite(List<RedlockListener> listeners) {
        return new Listeners(listeners);
    }

    /**
     * @param resource the released resource
     * @param released whether a quorum of nodes confirmed it (false: the lock had expired or been
     *        taken over, or too few nodes answered)
     * @param nodes what each node did, in configured order: {@link NodeStatus#OK} deleted it,
     *        {@link NodeStatus#HELD_BY_OTHER} did not hold the value (it expired, or another holds it)
     */
    record Release(String resource, boolean released, List<NodeOutcome> nodes) {

        public Release {
            nodes = List.copyOf(nodes);
        }
    }

    /**
     * @param resource the renewed resource
     * @param renewed whether the lease was renewed (a quorum, in time)
     * @param nodes what each node did, as far as answered when the renewal was decided
     */
    record Renewal(String resource, boolean renewed, List<NodeOutcome> nodes) {

        public Renewal {
            nodes = List.copyOf(nodes);
        }
    }

    /**
     * @param resource the lease's resource
     * @param nodes the nodes tried in this round: {@link NodeStatus#OK} now hold the key,
     *        {@link NodeStatus#HELD_BY_OTHER} hold another value, the others erred or timed out
     */
    record FillInRound(String resource, List<NodeOutcome> nodes) {

        public FillInRound {
            nodes = List.copyOf(nodes);
        }

        /** How many of the nodes tried now hold the key. */
        public int created() {
            return (int) nodes.stream().filter(node -> node.status() == NodeStatus.OK).count();
        }

        /** How many of the nodes tried hold another client's value (competition, not a fault). */
        public int contended() {
            return (int) nodes.stream().filter(node -> node.status() == NodeStatus.HELD_BY_OTHER).count();
        }
    }
}
