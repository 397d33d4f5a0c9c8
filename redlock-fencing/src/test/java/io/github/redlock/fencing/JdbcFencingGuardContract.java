package io.github.redlock.fencing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the JDBC guard promises, run against each database it speaks to. */
abstract class JdbcFencingGuardContract {

    abstract Connection connect() throws SQLException;

    abstract FencingDialect dialect();

    JdbcFencingGuard guard() {
        return JdbcFencingGuard.of(dialect());
    }

    @BeforeEach
    void freshTables() throws Exception {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS redlock_fencing");
            statement.execute("DROP TABLE IF EXISTS doc");
            statement.execute("DROP TABLE IF EXISTS history");
            statement.execute("DROP TABLE IF EXISTS account");
            statement.execute(shippedSchema(dialect()));
            statement.execute("CREATE TABLE doc (id int PRIMARY KEY, last_token bigint NOT NULL)");
            statement.execute("INSERT INTO doc VALUES (1, 0)");
            statement.execute("CREATE TABLE history (token bigint NOT NULL, previous_token bigint NOT NULL)");
        }
    }

    static String shippedSchema(FencingDialect dialect) throws IOException {
        try (InputStream in = JdbcFencingGuardContract.class.getClassLoader()
                .getResourceAsStream(dialect.schemaLocation())) {
            assertThat(in).as(dialect.schemaLocation()).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void acceptsNewerAndEqualTokensAndRefusesAnOlderOneNamingBothTokens() throws Exception {
        try (Connection connection = connect()) {
            connection.setAutoCommit(false);
            guard().claim(connection, "orders", 5);
            guard().claim(connection, "orders", 5);
            guard().claim(connection, "orders", 9);
            connection.commit();

            assertThatThrownBy(() -> guard().claim(connection, "orders", 8))
                    .isInstanceOfSatisfying(StaleFencingTokenException.class, e -> {
                        assertThat(e.resource()).isEqualTo("orders");
                        assertThat(e.presentedToken()).isEqualTo(8);
                        assertThat(e.highestToken()).isEqualTo(9);
                    })
                    .hasMessage("Stale fencing token for resource 'orders': presented 8, but the store has "
                            + "already accepted 9");
            connection.rollback();
        }
        assertThat(mark("orders")).isEqualTo(9);
    }

    @Test
    void marksAreKeptPerResourceAndExactUpTo2Pow53Minus1() throws Exception {
        long max = (1L << 53) - 1;
        try (Connection connection = connect()) {
            connection.setAutoCommit(false);
            guard().claim(connection, "a", max - 1);
            guard().claim(connection, "b", 1);
            guard().claim(connection, "a", max);
            connection.commit();
            assertThatThrownBy(() -> guard().claim(connection, "a", max - 1))
                    .isInstanceOf(StaleFencingTokenException.class);
            connection.rollback();
        }
        assertThat(mark("a")).isEqualTo(max);
        assertThat(mark("b")).isEqualTo(1);
    }

    @Test
    void aRolledBackTransactionDoesNotAdvanceTheMark() throws Exception {
        try (Connection connection = connect()) {
            connection.setAutoCommit(false);
            guard().claim(connection, "orders", 3);
            connection.commit();
            guard().claim(connection, "orders", 7);
            connection.rollback();
            guard().claim(connection, "orders", 4);
            connection.commit();
        }
        assertThat(mark("orders")).isEqualTo(4);
    }

    @Test
    void refusesAnAutoCommitConnectionBecauseTheClaimWouldCommitAlone() throws Exception {
        try (Connection connection = connect()) {
            assertThatThrownBy(() -> guard().claim(connection, "orders", 1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("auto-commit");
        }
        assertThat(mark("orders")).isNull();
    }

    /**
     * Eight writers, each with its own connection, present the tokens 1..400 in a shuffled order:
     * every transaction claims, reads the document's last token and writes its own. A committed
     * write must never have seen a newer token before it (that would be a stale write after a
     * newer one), and the document ends at the highest accepted token.
     */
    @Test
    void concurrentWritersWithInterleavedTokensNeverCommitAStaleWriteAfterANewerOne() throws Exception {
        int total = 400;
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ConcurrentLinkedQueue<Long> acceptedTokens = new ConcurrentLinkedQueue<>();
        ShuffledWriters.run(8, total, () -> {
            Connection connection = connect();
            connection.setAutoCommit(false);
            return ShuffledWriters.Writer.closing(connection, token -> {
                try {
                    guard().claim(connection, "doc-1", token);
                    writeDocument(connection, token);
                    connection.commit();
                    accepted.incrementAndGet();
                    acceptedTokens.add(token);
                } catch (StaleFencingTokenException e) {
                    connection.rollback();
                    refused.incrementAndGet();
                }
            });
        });

        long highest = acceptedTokens.stream().mapToLong(Long::longValue).max().orElseThrow();
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            try (ResultSet rows = statement.executeQuery(
                    "SELECT count(*) FROM history WHERE previous_token >= token")) {
                rows.next();
                assertThat(rows.getLong(1)).as("committed writes that followed a newer one").isZero();
            }
        }
        assertThat(accepted.get() + refused.get()).isEqualTo(total);
        assertThat(accepted.get()).as("accepted").isPositive();
        assertThat(refused.get()).as("refused").isPositive();
        assertThat(highest).isEqualTo(total);
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM history")) {
                rows.next();
                assertThat(rows.getLong(1)).as("committed writes").isEqualTo(accepted.get());
            }
            try (ResultSet rows = statement.executeQuery("SELECT last_token FROM doc WHERE id = 1")) {
                rows.next();
                assertThat(rows.getLong(1)).isEqualTo(highest);
            }
        }
        assertThat(mark("doc-1")).isEqualTo(highest);
    }

    /** The per-row recipe of docs/fencing-guards.md: the token column on the business row. */
    @Test
    void perRowRecipeUpdatesOnlyWithATokenNotOlderThanTheRowsOwn() throws Exception {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE account (id bigint PRIMARY KEY, balance bigint NOT NULL,"
                    + " fencing_token bigint NOT NULL DEFAULT 0)");
            statement.execute("INSERT INTO account (id, balance) VALUES (42, 100)");
            assertThat(updateBalance(connection, 42, 150, 7)).isEqualTo(1);
            assertThat(updateBalance(connection, 42, 175, 7)).isEqualTo(1);
            assertThat(updateBalance(connection, 42, 10, 6)).as("stale: 0 rows").isZero();
            try (ResultSet rows = statement.executeQuery("SELECT balance, fencing_token FROM account WHERE id = 42")) {
                rows.next();
                assertThat(rows.getLong(1)).isEqualTo(175);
                assertThat(rows.getLong(2)).isEqualTo(7);
            }
        }
    }

    // The recipe itself, as docs/fencing-guards.md shows it.
    static int updateBalance(Connection connection, long id, long balance, long token) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE account SET balance = ?, fencing_token = ? WHERE id = ? AND fencing_token <= ?")) {
            update.setLong(1, balance);
            update.setLong(2, token);
            update.setLong(3, id);
            update.setLong(4, token);
            return update.executeUpdate(); // 0: stale, a newer token has written this row
        }
    }

    private static void writeDocument(Connection connection, long token) throws SQLException {
        long previous;
        try (PreparedStatement read = connection.prepareStatement("SELECT last_token FROM doc WHERE id = 1");
                ResultSet rows = read.executeQuery()) {
            rows.next();
            previous = rows.getLong(1);
        }
        try (PreparedStatement write = connection.prepareStatement("UPDATE doc SET last_token = ? WHERE id = 1")) {
            write.setLong(1, token);
            write.executeUpdate();
        }
        try (PreparedStatement log = connection.prepareStatement("INSERT INTO history VALUES (?, ?)")) {
            log.setLong(1, token);
            log.setLong(2, previous);
            log.executeUpdate();
        }
    }

    Long mark(String resource) throws SQLException {
        try (Connection connection = connect();
                PreparedStatement read = connection.prepareStatement(
                        "SELECT token FROM redlock_fencing WHERE resource = ?")) {
            read.setString(1, resource);
            try (ResultSet rows = read.executeQuery()) {
                return rows.next() ? rows.getLong(1) : null;
            }
        }
    }
}
