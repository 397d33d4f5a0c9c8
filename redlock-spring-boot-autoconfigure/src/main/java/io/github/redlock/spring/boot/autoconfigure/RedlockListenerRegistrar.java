package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.Lease;
import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.Redlock;
import io.github.redlock.RedlockListener;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.util.function.SingletonSupplier;

/**
 * Tells the {@link RedlockListener} beans, in {@code @Order}, about every {@link Redlock} bean's
 * calls, the application's own Redlock beans included: so the meters and observations see direct
 * calls on the engine as well as the advice's. Each Redlock bean gets one listener that delegates
 * to the beans, looked up once every singleton exists (or at the first report, for calls made
 * while the context starts), not while the Redlock is being created: a listener may itself depend
 * on the Redlock, and a listener bean that cannot be created fails the startup.
 */
final class RedlockListenerRegistrar implements BeanPostProcessor, SmartInitializingSingleton {

    private static final Log LOG = LogFactory.getLog(RedlockListenerRegistrar.class);

    private final Supplier<RedlockListener> listeners;

    RedlockListenerRegistrar(ObjectProvider<RedlockListener> listeners) {
        this.listeners = SingletonSupplier.of(() -> RedlockListener.composite(listeners.orderedStream().toList()));
    }

    @Override
    public void afterSingletonsInstantiated() {
        RedlockListener resolved = listeners.get(); // now, so that a failure fails the startup
        LOG.debug("Redlock listener beans resolved: " + resolved);
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof Redlock redlock) {
            redlock.addListener(new BeanListeners(listeners));
        }
        return bean;
    }

    /** The listener beans, looked up on the first report. */
    private record BeanListeners(Supplier<RedlockListener> beans) implements RedlockListener {

        @Override
        public Consumer<LockResult> acquiring(LockRequest request) {
            return beans.get().acquiring(request);
        }

        @Override
        public Running running(LockRequest request, Lease lease) {
            return beans.get().running(request, lease);
        }

        @Override
        public void notAttempted(String name, Map<String, String> tags, @Nullable Throwable error) {
            beans.get().notAttempted(name, tags, error);
        }

        @Override
        public void released(Release release) {
            beans.get().released(release);
        }

        @Override
        public void renewed(Renewal renewal) {
            beans.get().renewed(renewal);
        }

        @Override
        public void filledIn(FillInRound round) {
            beans.get().filledIn(round);
        }
    }
}
