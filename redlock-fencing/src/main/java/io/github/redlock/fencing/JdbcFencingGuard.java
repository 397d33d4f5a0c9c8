package io.github.redlock.fencing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The JDBC guard: a table holding each resource's high-water mark (the highest fencing token
 * accepted), checked and advanced by one statement on the caller's connection, so in the caller's
 * transaction.
 *
 * <p><b>Acceptance rule</b>: a token equal to or greater than the mark is accepted and becomes the
 * mark; a smaller one is refused with {@link StaleFencingTokenException}. Equal is accepted so the
 * same lease can claim again before each of its writes. Two leases that overlapped because the
 * lock itself failed may carry equal tokens; this guard does not tell them apart.
 *
 * <p><b>Use</b>: call {@link #claim} first in the transaction that does the protected writes, on
 * the same connection, with auto-commit off. The accepted statement locks the mark's row until
 * the transaction ends, so a writer with an older token waits and is then refused: an older
 * token can never commit after a newer one claimed. A rolled-back transaction leaves the mark
 * where it was. Under {@code REPEATABLE READ} or {@code SERIALIZABLE} a concurrent claim fails
 * with a serialization error instead of waiting; retry the transaction. The check must run on the
 * primary that takes the writes: a replica is not a fence.
 *
 * <p>The table is created by the shipped DDL ({@link FencingDialect#schemaLocation()}); this class
 * never creates it. Thread-safe; the connection is the caller's and is neither committed nor
 * closed here.
 */
public final class JdbcFencingGuard {

    /** The table the shipped DDL creates. */
    public static final String DEFAULT_TABLE = "redlock_fencing";

    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");
    private static final String UNIQUE_VIOLATION = "23505";

    private final FencingDialect dialect;
    private final String claimSql;
    private final String readSql;

    private JdbcFencingGuard(FencingDialect dialect, String table) {
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        if (!TABLE_NAME.matcher(table).matches()) {
            throw new IllegalArgumentException("Not a plain table name: '" + table + "'");
        }
        this.claimSql = dialect.claimSql(table);
        this.readSql = "SELECT token FROM " + table + " WHERE resource = ?";
    }

    /** A guard over the {@value #DEFAULT_TABLE} table. */
    public static JdbcFencingGuard of(FencingDialect dialect) {
        return new JdbcFencingGuard(dialect, DEFAULT_TABLE);
    }

    /**
     * A guard over a table of the same shape under another name ({@code schema.table} allowed).
     *
     * @throws IllegalArgumentException if {@code table} is not a plain SQL identifier
     */
    public static JdbcFencingGuard of(FencingDialect dialect, String table) {
        return new JdbcFencingGuard(dialect, table);
    }

    /** The dialect this guard speaks. */
    public FencingDialect dialect() {
        return dialect;
    }

    /**
     * Checks {@code token} against the resource's mark and advances the mark to it, in one
     * statement in the connection's current transaction.
     *
     * @param connection the transaction's connection; must not be in auto-commit mode
     * @param resource the fenced resource, 1 to 255 characters
     * @param token the lease's fencing token, 0 to 2^53-1
     * @throws StaleFencingTokenException if the mark is already greater than {@code token}; roll
     *     the transaction back
     * @throws IllegalStateException if the connection is in auto-commit mode (the claim would
     *     commit alone, apart from the writes it protects)
     * @throws SQLException as the driver reports it (a missing table, a serialization failure)
     */
    public void claim(Connection connection, String resource, long token) throws SQLException {
        FencingTokens.requireResource(resource);
        FencingTokens.requireValid(token);
        if (connection.getAutoCommit()) {
            throw new IllegalStateException("The fencing claim must run in the transaction of the writes it "
                    + "protects: turn auto-commit off on the connection");
        }
        if (advance(connection, resource, token) == 0) {
            throw new StaleFencingTokenException(resource, token, storedToken(connection, resource));
        }
    }

    private int advance(Connection connection, String resource, long token) throws SQLException {
        try {
            return execute(connection, resource, token);
        } catch (SQLException e) {
            // H2's MERGE can race another transaction inserting the same new resource; the
            // statement alone fails (the transaction goes on), and the row now exists.
            if (dialect == FencingDialect.H2 && UNIQUE_VIOLATION.equals(e.getSQLState())) {
                return execute(connection, resource, token);
            }
            throw e;
        }
    }

    private int execute(Connection connection, String resource, long token) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(claimSql)) {
            statement.setString(1, resource);
            statement.setLong(2, token);
            return statement.executeUpdate();
        }
    }

    private long storedToken(Connection connection, String resource) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(readSql)) {
            statement.setString(1, resource);
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    throw new SQLException("The fencing claim for '" + resource + "' changed no row, "
                            + "yet the table holds no mark for it");
                }
                return rows.getLong(1);
            }
        }
    }
}
