package io.github.redlock.spring.boot.autoconfigure;

import io.github.redlock.Redlock;
import io.github.redlock.RedlockListener;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Adds every {@link RedlockListener} bean, in {@code @Order}, to every {@link Redlock} bean once it
 * is initialised, the application's own Redlock beans included: so the meters and observations
 * see direct calls on the engine as well as the advice's. The listeners are looked up per Redlock,
 * not when this post-processor is created.
 */
final class RedlockListenerRegistrar implements BeanPostProcessor {

    private final ObjectProvider<RedlockListener> listeners;

    RedlockListenerRegistrar(ObjectProvider<RedlockListener> listeners) {
        this.listeners = listeners;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof Redlock redlock) {
            listeners.orderedStream().forEach(redlock::addListener);
        }
        return bean;
    }
}
