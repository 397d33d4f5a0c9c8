package io.github.redlock.fencing;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The WebFlux server-side check of the {@link FencingHeaders} convention: for each request with an
 * unsafe method (and, if given, matching a predicate) it registers the token with the
 * {@link HighWaterMarks} before the handler runs (claim-first), and answers 428, 400 or 409 itself
 * when the headers are missing, malformed or stale. The store is consulted on Reactor's
 * bounded-elastic scheduler, so a blocking store (the Redis guard) never blocks an event loop.
 *
 * <p>The accepted token is left in the exchange attributes ({@link #token}). This check alone is
 * not a fence: the handler writes through a guard with that token, in the write's own transaction
 * or script (rule 1 of docs/fencing-guards.md).
 */
public final class FencingWebFilter implements WebFilter {

    private final FencingRequestCheck check;
    private final Predicate<ServerWebExchange> applies;

    /** A check of every request with an unsafe method. */
    public FencingWebFilter(HighWaterMarks marks) {
        this(marks, exchange -> true);
    }

    /** A check of the requests with an unsafe method that {@code applies} accepts (e.g. by path). */
    public FencingWebFilter(HighWaterMarks marks, Predicate<ServerWebExchange> applies) {
        this.check = new FencingRequestCheck(marks);
        this.applies = Objects.requireNonNull(applies, "applies");
    }

    /** The token this filter accepted for the exchange, if it checked it. */
    public static Optional<FencingToken> token(ServerWebExchange exchange) {
        return Optional.ofNullable(exchange.getAttribute(FencingToken.ATTRIBUTE));
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!FencingRequestCheck.applies(exchange.getRequest().getMethod().name()) || !applies.test(exchange)) {
            return chain.filter(exchange);
        }
        HttpHeaders headers = exchange.getRequest().getHeaders();
        return Mono.fromCallable(() -> check.check(headers.getFirst(FencingHeaders.RESOURCE),
                        headers.getFirst(FencingHeaders.TOKEN)))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(outcome -> {
                    FencingToken accepted = outcome.accepted();
                    if (accepted != null) {
                        exchange.getAttributes().put(FencingToken.ATTRIBUTE, accepted);
                        return chain.filter(exchange);
                    }
                    return reject(exchange.getResponse(), outcome);
                });
    }

    private static Mono<Void> reject(ServerHttpResponse response, FencingRequestCheck.Outcome outcome) {
        response.setStatusCode(HttpStatusCode.valueOf(outcome.status()));
        response.getHeaders().set(HttpHeaders.CONTENT_TYPE, FencingRequestCheck.PROBLEM_JSON);
        DataBuffer body = response.bufferFactory().wrap(outcome.problem().getBytes(StandardCharsets.UTF_8));
        return response.writeWith(Mono.just(body));
    }
}
