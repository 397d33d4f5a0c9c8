package io.github.redlock.benchmarks;

/** One lock client under test, connected to the nodes of one benchmark trial. */
interface LockTarget extends AutoCloseable {

    /**
     * One cycle: try once to lock {@code resource} (no waiting, no retry), run {@code section} if
     * the lock was granted, then release it.
     *
     * @return whether the lock was granted
     */
    boolean cycle(String resource, Runnable section);

    @Override
    void close();

    /** Creates the target named {@code impl} over the given node URIs. */
    static LockTarget create(String impl, java.util.List<String> uris) {
        return switch (impl) {
            case "engine" -> new EngineTarget(uris);
            case "engineFenced" -> new EngineTarget(uris, true);
            case "limit" -> new LimitTarget(uris);
            case "redissonRedLock" -> new RedissonRedLockTarget(uris);
            case "redissonLock" -> new RedissonLockTarget(single(impl, uris));
            case "springIntegration" -> new SpringIntegrationTarget(single(impl, uris));
            case "springDirect" -> new SpringAdviceTarget(uris, false);
            case "springAdvice" -> new SpringAdviceTarget(uris, true);
            case "springObserved" -> new SpringAdviceTarget(uris, true, true);
            default -> throw new IllegalArgumentException("unknown impl '" + impl
                    + "'; one of engine, engineFenced, limit, redissonRedLock, redissonLock, springIntegration, springDirect, springAdvice, springObserved");
        };
    }

    private static String single(String impl, java.util.List<String> uris) {
        if (uris.size() != 1) {
            throw new IllegalArgumentException(impl + " is a single-node lock: run it with -p nodes=1");
        }
        return uris.get(0);
    }
}
