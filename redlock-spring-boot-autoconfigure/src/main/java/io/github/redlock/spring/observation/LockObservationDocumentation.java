package io.github.redlock.spring.observation;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/**
 * The observations of locks, their names and key values. Low-cardinality key values only name
 * the kind of lock (the {@code @DistributedLock} resource template, or the
 * {@link io.github.redlock.LockRequest#name() request's name}), never the resolved key, and never
 * the lock's value.
 */
public enum LockObservationDocumentation implements ObservationDocumentation {

    /**
     * Acquiring a lock, from the call until it was granted or refused ("waited for lock X"): every
     * {@code @DistributedLock} call, and every lock call on the {@code Redlock} bean.
     */
    ACQUIRE {
        @Override
        public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
            return DefaultLockAcquireObservationConvention.class;
        }

        @Override
        public KeyName[] getLowCardinalityKeyNames() {
            return LowCardinalityKeys.values();
        }

        @Override
        public KeyName[] getHighCardinalityKeyNames() {
            return AcquireHighCardinalityKeys.values();
        }
    },

    /**
     * The work of a locked call ({@code @DistributedLock} methods, {@code Redlock.execute} and
     * {@code executeAsync}) running under its lock, until the lock is released ("held lock X").
     */
    HOLD {
        @Override
        public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
            return DefaultLockHoldObservationConvention.class;
        }

        @Override
        public KeyName[] getLowCardinalityKeyNames() {
            return LowCardinalityKeys.values();
        }
    };

    /** Key values of both observations. */
    public enum LowCardinalityKeys implements KeyName {

        /** The annotation's resource template as written, the request's name, or {@code unnamed}. */
        RESOURCE {
            @Override
            public String asString() {
                return "redlock.resource";
            }
        },

        /**
         * Acquire: {@code acquired}, {@code reentered} (a nested call ran under its call chain's lock),
         * {@code contended}, {@code unavailable}, {@code validity_expired}, {@code interrupted} or
         * {@code error}. Hold: {@code released}, {@code expired} when the work outlived its lock, or
         * {@code reentered} for a nested call (its call chain's lock stays held).
         */
        OUTCOME {
            @Override
            public String asString() {
                return "redlock.outcome";
            }
        },

        /** The {@code @DistributedLock} policy, {@code skip} or {@code throw}; {@code none} for direct calls. */
        POLICY {
            @Override
            public String asString() {
                return "redlock.policy";
            }
        }
    }

    /** Key values of acquisitions that only traces carry. */
    public enum AcquireHighCardinalityKeys implements KeyName {

        /** How many attempts the call made. */
        ATTEMPTS {
            @Override
            public String asString() {
                return "redlock.attempts";
            }
        },

        /** How many nodes had granted the lock when the last attempt was decided (the first quorum of replies). */
        NODES_GRANTED {
            @Override
            public String asString() {
                return "redlock.nodes.granted";
            }
        }
    }
}
