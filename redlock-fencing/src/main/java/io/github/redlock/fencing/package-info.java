/**
 * Storage-side guards for fencing tokens: each one accepts a write only when its token is not older
 * than the highest token the store has seen for the resource, checked and applied in one atomic step
 * (a JDBC transaction, a Redis script), plus the {@code Fencing-Token} HTTP header convention.
 */
@NullMarked
package io.github.redlock.fencing;

import org.jspecify.annotations.NullMarked;
