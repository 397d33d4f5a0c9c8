/**
 * Real, independent {@code redis-server} processes for tests, with fault controls.
 *
 * <ul>
 *   <li>{@link io.github.redlock.test.RedisNodesExtension}: a JUnit 5 extension that starts N nodes
 *       (optionally each behind a {@link io.github.redlock.test.FaultProxy}) and heals them
 *       between tests.</li>
 *   <li>{@link io.github.redlock.test.RedisNodes}: the same nodes without JUnit, as an
 *       {@link java.lang.AutoCloseable} group.</li>
 *   <li>{@link io.github.redlock.test.RedisNode}: one {@code redis-server} process on a free loopback
 *       port: kill, stop, start, restart, pause, resume, and a tiny blocking RESP client.</li>
 *   <li>{@link io.github.redlock.test.FaultProxy}: an in-JVM TCP proxy that can delay, blackhole
 *       or drop replies, to simulate partitions without root.</li>
 *   <li>{@link io.github.redlock.test.RedisServerBinary}: which {@code redis-server} binary is
 *       used.</li>
 * </ul>
 *
 * <p>Every process started here is killed by a JVM shutdown hook if it was not closed before.
 * Nothing in this package uses a Redis client library.
 */
@NullMarked
package io.github.redlock.test;

import org.jspecify.annotations.NullMarked;
