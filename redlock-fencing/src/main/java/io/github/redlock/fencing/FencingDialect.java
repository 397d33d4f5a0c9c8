package io.github.redlock.fencing;

/**
 * The databases {@link JdbcFencingGuard} speaks to, each with its one-statement check-and-advance
 * and its shipped DDL.
 */
public enum FencingDialect {

    /**
     * PostgreSQL 9.5 or later: {@code INSERT ... ON CONFLICT (resource) DO UPDATE ... WHERE}, which
     * locks the row until the transaction ends.
     */
    POSTGRESQL("schema-postgresql.sql",
            "INSERT INTO %1$s AS f (resource, token) VALUES (?, ?)"
                    + " ON CONFLICT (resource) DO UPDATE SET token = EXCLUDED.token"
                    + " WHERE f.token <= EXCLUDED.token"),

    /** H2 2.x: a standard {@code MERGE} whose update branch runs only for a token not older than the mark. */
    H2("schema-h2.sql",
            "MERGE INTO %1$s AS f"
                    + " USING (VALUES (CAST(? AS VARCHAR(255)), CAST(? AS BIGINT))) AS s(resource, token)"
                    + " ON f.resource = s.resource"
                    + " WHEN MATCHED AND f.token <= s.token THEN UPDATE SET token = s.token"
                    + " WHEN NOT MATCHED THEN INSERT (resource, token) VALUES (s.resource, s.token)");

    private final String schemaFile;
    private final String claimTemplate;

    FencingDialect(String schemaFile, String claimTemplate) {
        this.schemaFile = schemaFile;
        this.claimTemplate = claimTemplate;
    }

    /**
     * The classpath location of this dialect's DDL for the {@code redlock_fencing} table, for
     * Flyway, Liquibase or Spring's {@code spring.sql.init.schema-locations}, e.g.
     * {@code classpath:io/github/redlock/fencing/schema-postgresql.sql}.
     */
    public String schemaLocation() {
        return "io/github/redlock/fencing/" + schemaFile;
    }

    String claimSql(String table) {
        return String.format(claimTemplate, table);
    }
}
