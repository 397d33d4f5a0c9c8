/** Not API: the lease of the locked method running on a thread, behind {@link io.github.redlock.spring.LockContext}. */
@NullMarked
package io.github.redlock.spring.support.lease;

import org.jspecify.annotations.NullMarked;
