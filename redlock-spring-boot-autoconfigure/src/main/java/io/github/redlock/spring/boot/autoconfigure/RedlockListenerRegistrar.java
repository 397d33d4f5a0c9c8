package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.LockRequest;
import io.github.redlock.LockResult;
import io.github.redlock.Redlock;
import io.github.redlock.RedlockListener;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.util.function.SingletonSupplier;

/**
 * Tells the {@link RedlockListener} beans, in {@code @Order}, about every {@link Redlock} bean's
 * calls, the application's own Redlock beans included: so the meters and observations see direct
 * calls on the engine as well as the advice's. Each Redlock bean gets one listener that looks the
 * beans up on its first report, not while the Redlock is being created, so that a listener may
 * itself depend on the Redlock.
 */
final class RedlockListenerRegistrar implements BeanPostProcessor {

    private final Supplier<RedlockListener> listeners;

    RedlockListenerRegistrar(ObjectProvider<RedlockListener> listeners) {
        this.listeners = SingletonSupplier.of(() -> RedlockListener.composite(listeners.orderedStream().toList()));
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
