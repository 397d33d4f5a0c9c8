package io.github.redlock.fencing;

import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The JDBC guard on a real PostgreSQL server, started once for the class. */
class PostgresJdbcFencingGuardIntegrationTests extends JdbcFencingGuardContract {

    private static PostgresServer postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Override
    Connection connect() throws SQLException {
        return postgres.connect();
    }

    @Override
    FencingDialect dialect() {
        return FencingDialect.POSTGRESQL;
    }
}
