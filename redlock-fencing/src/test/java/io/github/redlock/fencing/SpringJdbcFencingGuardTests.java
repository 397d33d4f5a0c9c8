package io.github.redlock.fencing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/** The Spring variant joins the current transaction: its claim commits and rolls back with the writes. */
class SpringJdbcFencingGuardTests {

    private final DriverManagerDataSource dataSource =
            new DriverManagerDataSource("jdbc:h2:mem:spring-fencing;DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=30000");
    private final JdbcTemplate jdbc = new JdbcTemplate(dataSource);
    private final TransactionTemplate transaction =
            new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    private final SpringJdbcFencingGuard guard =
            new SpringJdbcFencingGuard(dataSource, JdbcFencingGuard.of(FencingDialect.H2));

    @BeforeEach
    void freshTables() throws Exception {
        jdbc.execute("DROP TABLE IF EXISTS redlock_fencing");
        jdbc.execute("DROP TABLE IF EXISTS account");
        jdbc.execute(JdbcFencingGuardContract.shippedSchema(FencingDialect.H2));
        jdbc.execute("CREATE TABLE account (id bigint PRIMARY KEY, balance bigint NOT NULL)");
        jdbc.update("INSERT INTO account VALUES (42, 100)");
    }

    @Test
    void aStaleClaimRollsBackTheWholeTransactionIncludingEarlierWrites() {
        transaction.executeWithoutResult(status -> {
            guard.claim("account-42", 7);
            jdbc.update("UPDATE account SET balance = 150 WHERE id = 42");
        });

        assertThatThrownBy(() -> transaction.executeWithoutResult(status -> {
            jdbc.update("UPDATE account SET balance = 0 WHERE id = 42");
            guard.claim("account-42", 6);
        })).isInstanceOfSatisfying(StaleFencingTokenException.class, e -> {
            assertThat(e.presentedToken()).isEqualTo(6);
            assertThat(e.highestToken()).isEqualTo(7);
        });

        assertThat(jdbc.queryForObject("SELECT balance FROM account WHERE id = 42", Long.class)).isEqualTo(150);
        assertThat(mark()).isEqualTo(7);
    }

    @Test
    void aRolledBackTransactionDoesNotAdvanceTheMark() {
        transaction.executeWithoutResult(status -> guard.claim("account-42", 3));
        transaction.executeWithoutResult(status -> {
            guard.claim("account-42", 9);
            status.setRollbackOnly();
        });

        assertThat(mark()).isEqualTo(3);
    }

    @Test
    void refusesToClaimOutsideATransaction() {
        assertThatThrownBy(() -> guard.claim("account-42", 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("@Transactional");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM redlock_fencing", Long.class)).isZero();
    }

    private Long mark() {
        return jdbc.queryForObject("SELECT token FROM redlock_fencing WHERE resource = 'account-42'", Long.class);
    }
}
