package io.github.redlock.spring;

/**
 * A {@link DistributedLock @DistributedLock} declaration that cannot work, found when its bean is
 * created: thrown at startup, so that no method runs with a lock that is not what it says. The
 * message names the method and the fix; Spring Boot shows it as a failure analysis.
 */
public final class InvalidDistributedLockException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String method;
    private final String problem;

    /**
     * @param method the annotated method, as {@code Class.method(ParamType, ...)}
     * @param problem what is wrong and how to fix it
     */
    public InvalidDistributedLockException(String method, String problem) {
        super("Invalid @DistributedLock on " + method + ": " + problem);
        this.method = method;
        this.problem = problem;
    }

    /** The annotated method, as {@code Class.method(ParamType, ...)}. */
    public String method() {
        return method;
    }

    /** What is wrong and how to fix it. */
    public String problem() {
        return problem;
    }
}
