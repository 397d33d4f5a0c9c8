package io.github.redlock.fencing;

import java.util.Objects;
import javax.sql.DataSource;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * {@link JdbcFencingGuard} over a {@link DataSource}, joining the current Spring transaction
 * (through {@link JdbcTemplate}, so {@code DataSourceUtils}): call {@link #claim} first inside the
 * {@code @Transactional} method (or {@code TransactionTemplate}) that does the protected writes
 * through the same {@code DataSource}. Needs {@code spring-jdbc} on the classpath.
 *
 * <p>A stale token throws {@link StaleFencingTokenException}, an unchecked exception, so the
 * transaction rolls back when it escapes; other database errors are translated to Spring's
 * {@code DataAccessException}s. Thread-safe.
 */
public final class SpringJdbcFencingGuard {

    private final JdbcFencingGuard guard;
    private final JdbcTemplate jdbc;

    /**
     * @param dataSource the transaction's {@code DataSource} (the one its transaction manager uses)
     * @param guard the dialect and table
     */
    public SpringJdbcFencingGuard(DataSource dataSource, JdbcFencingGuard guard) {
        this.jdbc = new JdbcTemplate(Objects.requireNonNull(dataSource, "dataSource"));
        this.guard = Objects.requireNonNull(guard, "guard");
    }

    /**
     * Checks {@code token} against the resource's mark and advances the mark, in the current
     * transaction.
     *
     * @throws StaleFencingTokenException if the mark is already greater than {@code token}
     * @throws IllegalStateException if no Spring transaction is active on this thread (the claim
     *     would commit alone, apart from the writes it protects)
     * @throws org.springframework.dao.DataAccessException for other database errors
     */
    public void claim(String resource, long token) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("The fencing claim must run in the transaction of the writes it "
                    + "protects: call it inside a @Transactional method or a TransactionTemplate");
        }
        jdbc.execute((ConnectionCallback<Boolean>) connection -> {
            guard.claim(connection, resource, token);
            return Boolean.TRUE;
        });
    }
}
