package io.github.redlock.spring.boot.autoconfigure;

import java.util.List;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Whether the Redlock engine should be created: {@code redlock.enabled} is not false, and servers
 * are listed in {@code redlock.servers}, a {@link RedlockConnectionDetails} bean of the application's
 * (or a container's) supplies them, or Spring Data Redis provides one, or
 * {@code redlock.enabled=true} is set explicitly (then missing servers are an error at startup).
 */
class RedlockServersCondition extends SpringBootCondition {

    static final String ENABLED = "redlock.enabled";
    static final String SERVERS = "redlock.servers";
    /** How messages name the servers of RedlockConnectionDetails beans other than the properties. */
    static final String CONNECTION_DETAILS = "RedlockConnectionDetails servers";

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        ConditionMessage.Builder message = ConditionMessage.forCondition("Redlock servers");
        Boolean enabled = context.getEnvironment().getProperty(ENABLED, Boolean.class);
        if (Boolean.FALSE.equals(enabled)) {
            return ConditionOutcome.noMatch(message.because(ENABLED + " is false"));
        }
        List<String> servers = Binder.get(context.getEnvironment()).bind(SERVERS, Bindable.listOf(String.class))
                .orElse(List.of());
        if (!servers.isEmpty()) {
            return ConditionOutcome.match(message.found(SERVERS).items(servers.size() + " server(s)"));
        }
        ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
        if (beanFactory != null && beanFactory.getBeanNamesForType(RedlockConnectionDetails.class, true, false).length
                > beanFactory.getBeanNamesForType(PropertiesRedlockConnectionDetails.class, true, false).length) {
            return ConditionOutcome.match(message.found("RedlockConnectionDetails bean").atAll());
        }
        if (beanFactory != null && beanFactory.getBeanNamesForType(DataRedisLockServer.class, true, false).length > 0) {
            return ConditionOutcome.match(message.found("Spring Data Redis connection").atAll());
        }
        if (Boolean.TRUE.equals(enabled)) {
            return ConditionOutcome.match(message.because(ENABLED + " is true (servers are then required)"));
        }
        return ConditionOutcome.noMatch(message.didNotFind(SERVERS + " or a Spring Data Redis connection").atAll());
    }

    /** The opposite: no engine is to be created. */
    static final class None extends SpringBootCondition {

        private final RedlockServersCondition servers = new RedlockServersCondition();

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            ConditionOutcome outcome = servers.getMatchOutcome(context, metadata);
            return new ConditionOutcome(!outcome.isMatch(), outcome.getConditionMessage());
        }
    }
}
