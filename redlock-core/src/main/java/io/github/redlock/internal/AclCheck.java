package io.github.redlock.internal;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a node's ACL check found ({@link LettuceNode#refusedCommands}).
 *
 * @param refused the indexes of the commands the user may not run; empty when unknown
 * @param unknownWhy null when the server answered; otherwise why it could not tell (no secrets)
 */
public record AclCheck(List<Integer> refused, @Nullable String unknownWhy) {

    static AclCheck answered(List<Integer> refused) {
        return new AclCheck(List.copyOf(refused), null);
    }

    static AclCheck unknown(String why) {
        return new AclCheck(List.of(), why);
    }
}
