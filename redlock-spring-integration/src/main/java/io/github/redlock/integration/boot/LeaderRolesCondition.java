package io.github.redlock.integration.boot;

import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when {@code redlock.leader.roles} lists at least one role (indexed or comma-separated). */
final class LeaderRolesCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        List<String> roles = Binder.get(context.getEnvironment())
                .bind("redlock.leader.roles", Bindable.listOf(String.class)).orElse(List.of());
        return roles.isEmpty() ? ConditionOutcome.noMatch("redlock.leader.roles lists no role")
                : ConditionOutcome.match("redlock.leader.roles lists " + roles);
    }
}
