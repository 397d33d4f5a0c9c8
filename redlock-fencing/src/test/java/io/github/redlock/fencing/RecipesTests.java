package io.github.redlock.fencing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;

/** The JDBC recipes of docs/fencing-guards.md, as the page shows them, run on H2. */
class RecipesTests {

    static final String URL = "jdbc:h2:mem:recipes;DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=30000";

    @BeforeEach
    void schema() throws Exception {
        try (Connection connection = DriverManager.getConnection(URL); Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS redlock_fencing");
            statement.execute("DROP TABLE IF EXISTS orders");
            statement.execute(JdbcFencingGuardContract.shippedSchema(FencingDialect.H2));
            statement.execute("CREATE TABLE orders (id bigint PRIMARY KEY, state varchar(20) NOT NULL)");
            statement.execute("INSERT INTO orders VALUES (42, 'new')");
        }
    }

    // --- recipe: plain JDBC ---
    static final JdbcFencingGuard guard = JdbcFencingGuard.of(FencingDialect.H2);

    static void markPaid(Connection connection, long orderId, long token) throws SQLException {
        connection.setAutoCommit(false);
        try {
            guard.claim(connection, "order-" + orderId, token); // first, in the same transaction
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE orders SET state = 'paid' WHERE id = ?")) {
                update.setLong(1, orderId);
                update.executeUpdate();
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) { // StaleFencingTokenException included
            connection.rollback();
            throw e;
        }
    }
    // --- end ---

    // --- recipe: Spring ---
    @Configuration
    @EnableTransactionManagement
    static class PaymentsConfig {

        @Bean
        DataSource dataSource() {
            return new DriverManagerDataSource(URL);
        }

        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }

        @Bean
        SpringJdbcFencingGuard fencingGuard(DataSource dataSource) {
            return new SpringJdbcFencingGuard(dataSource, JdbcFencingGuard.of(FencingDialect.H2));
        }

        @Bean
        Payments payments(SpringJdbcFencingGuard guard, DataSource dataSource) {
            return new Payments(guard, new JdbcTemplate(dataSource));
        }
    }

    static class Payments {

        private final SpringJdbcFencingGuard guard;
        private final JdbcTemplate jdbc;

        Payments(SpringJdbcFencingGuard guard, JdbcTemplate jdbc) {
            this.guard = guard;
            this.jdbc = jdbc;
        }

        @Transactional
        public void markPaid(long orderId, long token) {
            guard.claim("order-" + orderId, token); // joins this transaction; stale: rolls it back
            jdbc.update("UPDATE orders SET state = 'paid' WHERE id = ?", orderId);
        }
    }
    // --- end ---

    @Test
    void plainJdbcRecipeCommitsWithAFreshTokenAndRollsBackWithAStaleOne() throws Exception {
        try (Connection connection = DriverManager.getConnection(URL)) {
            markPaid(connection, 42, 7);
            connection.createStatement().execute("UPDATE orders SET state = 'shipped' WHERE id = 42");
            connection.commit();
            assertThatThrownBy(() -> markPaid(connection, 42, 6)).isInstanceOf(StaleFencingTokenException.class);
        }
        assertThat(state()).isEqualTo("shipped");
    }

    @Test
    void springRecipeRollsBackTheTransactionalMethodOnAStaleToken() throws Exception {
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(PaymentsConfig.class)) {
            Payments payments = context.getBean(Payments.class);
            payments.markPaid(42, 7);
            try (Connection connection = DriverManager.getConnection(URL)) {
                connection.createStatement().execute("UPDATE orders SET state = 'shipped' WHERE id = 42");
            }
            assertThatThrownBy(() -> payments.markPaid(42, 6)).isInstanceOf(StaleFencingTokenException.class);
        }
        assertThat(state()).isEqualTo("shipped");
    }

    private static String state() throws SQLException {
        try (Connection connection = DriverManager.getConnection(URL);
                var rows = connection.createStatement().executeQuery("SELECT state FROM orders WHERE id = 42")) {
            rows.next();
            return rows.getString(1);
        }
    }
}
