package io.github.redlock.test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RedisNodesExtensionTests {

    @Test
    void needsAtLeastOneNode() {
        assertThatThrownBy(() -> RedisNodesExtension.withNodes(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisNodes.start(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void proxiesOfAnExtensionWithoutProxiesAreAnError() {
        RedisNodesExtension redis = RedisNodesExtension.withNodes(2);

        assertThatThrownBy(redis::proxiedUris).isInstanceOf(IllegalStateException.class).hasMessageContaining("withProxies()");
        assertThatThrownBy(() -> redis.proxy(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("withProxies()");
    }

    @Test
    void nodesAreNotAvailableOutsideTheLifecycle() {
        RedisNodesExtension redis = RedisNodesExtension.withNodes(2).withProxies();

        assertThatThrownBy(redis::nodes).isInstanceOf(IllegalStateException.class).hasMessageContaining("not running");
        assertThatThrownBy(redis::uris).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(redis::proxiedUris).isInstanceOf(IllegalStateException.class).hasMessageContaining("not running");
        assertThatThrownBy(() -> redis.node(0)).isInstanceOf(IllegalStateException.class);
    }
}
