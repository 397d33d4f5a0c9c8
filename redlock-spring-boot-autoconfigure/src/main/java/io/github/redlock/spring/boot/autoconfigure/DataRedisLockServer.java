package io.github.redlock.spring.boot.autoconfigure;

/**
 * The one Redis server that Spring Data Redis is configured with, as a Redlock URI: used when
 * {@code redlock.servers} is empty. Kept free of Spring Data Redis types so the engine's
 * configuration loads without them.
 *
 * @param uri the server's URI (may contain a password: never log it)
 * @param display the server's address without password
 */
record DataRedisLockServer(String uri, String display) {

    @Override
    public String toString() {
        return "DataRedisLockServer[" + display + "]";
    }
}
