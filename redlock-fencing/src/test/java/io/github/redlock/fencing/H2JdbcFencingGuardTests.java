package io.github.redlock.fencing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** The JDBC guard on an in-memory H2 database: the quick path. */
class H2JdbcFencingGuardTests extends JdbcFencingGuardContract {

    static final String URL = "jdbc:h2:mem:fencing;DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=30000";

    @Override
    Connection connect() throws SQLException {
        return DriverManager.getConnection(URL);
    }

    @Override
    FencingDialect dialect() {
        return FencingDialect.H2;
    }
}
