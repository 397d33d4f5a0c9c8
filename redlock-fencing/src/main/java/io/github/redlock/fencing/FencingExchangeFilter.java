package io.github.redlock.fencing;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

/**
 * Adds the {@link FencingHeaders} to each request of a {@code WebClient}. Two sources:
 * {@link #fromSupplier} asks a supplier when the request is sent; {@link #fromContext()} reads the
 * {@link FencingToken} a reactive caller put into the subscriber context under
 * {@link FencingToken#ATTRIBUTE}:
 *
 * <pre>{@code
 * client.put().uri("/orders/42").bodyValue(order).retrieve().toBodilessEntity()
 *         .contextWrite(Context.of(FencingToken.ATTRIBUTE, new FencingToken("order-42", token)));
 * }</pre>
 *
 * When the source gives nothing, the request goes out without the headers (a checking server
 * answers 428); headers already set on the request are replaced.
 */
public final class FencingExchangeFilter implements ExchangeFilterFunction {

    private final Function<ContextView, Optional<FencingToken>> tokens;

    private FencingExchangeFilter(Function<ContextView, Optional<FencingToken>> tokens) {
        this.tokens = tokens;
    }

    /** A filter asking {@code tokens} for the token of each request when it is sent. */
    public static FencingExchangeFilter fromSupplier(Supplier<Optional<FencingToken>> tokens) {
        Objects.requireNonNull(tokens, "tokens");
        return new FencingExchangeFilter(context -> tokens.get());
    }

    /** A filter reading the token from the subscriber context, key {@link FencingToken#ATTRIBUTE}. */
    public static FencingExchangeFilter fromContext() {
        return new FencingExchangeFilter(context -> context.getOrEmpty(FencingToken.ATTRIBUTE)
                .filter(FencingToken.class::isInstance)
                .map(FencingToken.class::cast));
    }

    @Override
    public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
        return Mono.deferContextual(context -> next.exchange(tokens.apply(context)
                .map(token -> ClientRequest.from(request)
                        .headers(headers -> {
                            headers.set(FencingHeaders.TOKEN, Long.toString(token.token()));
                            headers.set(FencingHeaders.RESOURCE, token.resource());
                        })
                        .build())
                .orElse(request)));
    }
}
