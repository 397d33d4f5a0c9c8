package io.github.redlock.fencing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.web.reactive.function.server.RequestPredicates.PUT;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.HandlerStrategies;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.util.context.Context;

/**
 * The HTTP convention end to end on a real Reactor Netty server with WebFlux: WebClient with
 * {@link FencingExchangeFilter}, the server with {@link FencingWebFilter}.
 */
class FencingWebFluxIntegrationTests {

    static final InMemoryHighWaterMarks MARKS = new InMemoryHighWaterMarks();
    static final Map<String, String> ORDERS = new ConcurrentHashMap<>();

    private static DisposableServer server;
    private static String baseUrl;

    @BeforeAll
    static void startServer() {
        RouterFunction<ServerResponse> routes = RouterFunctions.route(PUT("/orders/{id}"), request -> {
            FencingToken token = FencingWebFilter.token(request.exchange()).orElseThrow();
            return request.bodyToMono(String.class).flatMap(body -> {
                MARKS.runFenced(token.resource(), token.token(), () -> ORDERS.put(request.pathVariable("id"), body))
                        .requireAccepted();
                return ServerResponse.ok().bodyValue("written with " + token.resource() + "/" + token.token());
            });
        });
        HttpHandler handler = RouterFunctions.toHttpHandler(routes,
                HandlerStrategies.builder().webFilter(new FencingWebFilter(MARKS)).build());
        server = HttpServer.create().host("127.0.0.1").port(0).handle(new ReactorHttpHandlerAdapter(handler)).bindNow();
        baseUrl = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stopServer() {
        server.disposeNow();
    }

    @Test
    void tokenFromTheSubscriberContextIsAcceptedThenAStaleOneGets409() {
        WebClient client = WebClient.builder().baseUrl(baseUrl).filter(FencingExchangeFilter.fromContext()).build();

        String accepted = put(client, "/orders/1", "paid")
                .contextWrite(Context.of(FencingToken.ATTRIBUTE, new FencingToken("order-1", 5)))
                .block(Duration.ofSeconds(30));
        String stale = put(client, "/orders/1", "cancelled")
                .contextWrite(Context.of(FencingToken.ATTRIBUTE, new FencingToken("order-1", 4)))
                .block(Duration.ofSeconds(30));

        assertThat(accepted).isEqualTo("200 written with order-1/5");
        assertThat(stale).startsWith("409 application/problem+json {")
                .contains("\"resource\":\"order-1\"", "\"token\":4", "\"highestToken\":5");
        assertThat(ORDERS.get("1")).isEqualTo("paid");
    }

    @Test
    void tokenFromASupplierAndAMissingOneGets428() {
        AtomicReference<FencingToken> current = new AtomicReference<>(new FencingToken("order-2", 3));
        WebClient client = WebClient.builder().baseUrl(baseUrl)
                .filter(FencingExchangeFilter.fromSupplier(() -> Optional.ofNullable(current.get()))).build();

        String accepted = put(client, "/orders/2", "paid").block(Duration.ofSeconds(30));
        current.set(null);
        String missing = put(client, "/orders/2", "cancelled").block(Duration.ofSeconds(30));

        assertThat(accepted).isEqualTo("200 written with order-2/3");
        assertThat(missing).startsWith("428 application/problem+json");
        assertThat(ORDERS.get("2")).isEqualTo("paid");
        assertThat(MARKS.highestToken("order-2")).hasValue(3);
    }

    private static Mono<String> put(WebClient client, String path, String body) {
        return client.put().uri(path).bodyValue(body).exchangeToMono(FencingWebFluxIntegrationTests::describe);
    }

    private static Mono<String> describe(ClientResponse response) {
        String type = response.headers().contentType().map(t -> t + " ").orElse("");
        String prefix = response.statusCode().value() + " " + (response.statusCode().value() == 200 ? "" : type);
        return response.bodyToMono(String.class).defaultIfEmpty("").map(body -> prefix + body);
    }
}
