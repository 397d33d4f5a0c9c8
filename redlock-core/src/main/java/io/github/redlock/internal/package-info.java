/**
 * Implementation details of the Redlock engine: one Redis node, scripts, quorum and validity
 * arithmetic. Not part of the public API; may change in any release.
 */
@NullMarked
package io.github.redlock.internal;

import org.jspecify.annotations.NullMarked;
