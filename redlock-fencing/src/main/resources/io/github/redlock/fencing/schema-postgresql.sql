-- The high-water mark of each fenced resource: the highest fencing token a write has been accepted with.
-- Used by io.github.redlock.fencing.JdbcFencingGuard (FencingDialect.POSTGRESQL).
CREATE TABLE IF NOT EXISTS redlock_fencing (
    resource varchar(255) PRIMARY KEY,
    token    bigint       NOT NULL CHECK (token >= 0)
);
