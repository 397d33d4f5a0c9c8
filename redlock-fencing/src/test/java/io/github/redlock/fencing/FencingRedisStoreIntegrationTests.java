package io.github.redlock.fencing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.web.reactive.function.server.RequestPredicates.PUT;

import io.github.redlock.test.RedisNodesExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.HandlerStrategies;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.util.context.Context;

/**
 * Two WebFlux servers whose {@link FencingWebFilter}s share their marks through
 * {@link RedisFencedWrites} on a real redis-server: a token one server accepted makes an older one
 * stale at the other, and the handlers write through the same guard.
 */
class FencingRedisStoreIntegrationTests {

    @RegisterExtension
    static final RedisNodesExtension redis = RedisNodesExtension.withNodes(1);

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    void aTokenAcceptedByOneServerMakesAnOlderOneStaleAtTheOther() {
        RedisClient client = RedisClient.create(redis.uris().get(0));
        resources.add(client::shutdown);
        String first = startServer(client);
        String second = startServer(client);

        String accepted = put(first, new FencingToken("order-7", 5), "paid");
        String stale = put(second, new FencingToken("order-7", 4), "cancelled");
        String newer = put(second, new FencingToken("order-7", 6), "shipped");

        assertThat(accepted).isEqualTo("200");
        assertThat(stale).isEqualTo("409");
        assertThat(newer).isEqualTo("200");
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            assertThat(connection.sync().get("order:7")).isEqualTo("shipped");
            assertThat(connection.sync().get("fencing:order-7")).isEqualTo("6");
        }
    }

    private String startServer(RedisClient client) {
        StatefulRedisConnection<String, String> connection = client.connect();
        resources.add(connection);
        RedisFencedWrites writes = new RedisFencedWrites(connection);
        var routes = RouterFunctions.route(PUT("/orders/{id}"), request -> {
            FencingToken token = FencingWebFilter.token(request.exchange()).orElseThrow();
            return request.bodyToMono(String.class)
                    .map(body -> writes.set("order:" + request.pathVariable("id"), body, token.resource(), token.token()))
                    .flatMap(verdict -> verdict.accepted()
                            ? ServerResponse.ok().build()
                            : ServerResponse.status(409).build());
        });
        var handler = RouterFunctions.toHttpHandler(routes,
                HandlerStrategies.builder().webFilter(new FencingWebFilter(writes)).build());
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
                .handle(new ReactorHttpHandlerAdapter(handler)).bindNow();
        resources.add(server::disposeNow);
        return "http://127.0.0.1:" + server.port();
    }

    private static String put(String baseUrl, FencingToken token, String body) {
        return WebClient.builder().baseUrl(baseUrl).filter(FencingExchangeFilter.fromContext()).build()
                .put().uri("/orders/7").bodyValue(body)
                .exchangeToMono(response -> response.releaseBody().thenReturn(Integer.toString(response.statusCode().value())))
                .contextWrite(Context.of(FencingToken.ATTRIBUTE, token))
                .block(Duration.ofSeconds(30));
    }
}
