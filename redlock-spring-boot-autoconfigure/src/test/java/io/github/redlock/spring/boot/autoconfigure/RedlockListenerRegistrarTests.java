package io.github.redlock.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redlock.RedlockListener;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The registrar's delegate passes every event on: a listener method it forgot would silently do nothing. */
class RedlockListenerRegistrarTests {

    @Test
    void theDelegateToTheListenerBeansForwardsEveryEvent() throws Exception {
        Class<?> delegate = Class.forName(RedlockListenerRegistrar.class.getName() + "$BeanListeners");

        for (Method method : RedlockListener.class.getMethods()) {
            if (Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            assertThat(Arrays.stream(delegate.getDeclaredMethods()).anyMatch(m -> m.getName().equals(method.getName())
                    && Arrays.equals(m.getParameterTypes(), method.getParameterTypes())))
                    .as("BeanListeners forwards %s", method.getName()).isTrue();
        }
    }
}
