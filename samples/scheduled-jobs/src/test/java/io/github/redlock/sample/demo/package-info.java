/** The one-command demo: two instances of the sample against three local Redis nodes. */
@NullMarked
package io.github.redlock.sample.demo;

import org.jspecify.annotations.NullMarked;
