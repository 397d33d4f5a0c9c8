package io.github.redlock.fencing;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Adds the {@link FencingHeaders} to each request of a {@code RestClient} or {@code RestTemplate},
 * from a supplier asked on the calling thread for every request:
 *
 * <pre>{@code
 * RestClient client = RestClient.builder()
 *         .requestInterceptor(new FencingClientInterceptor(() -> Optional.ofNullable(currentToken)))
 *         .build();
 * }</pre>
 *
 * When the supplier gives nothing, the request goes out without the headers (a checking server
 * answers 428); headers already set on the request are replaced.
 */
public final class FencingClientInterceptor implements ClientHttpRequestInterceptor {

    private final Supplier<Optional<FencingToken>> tokens;

    public FencingClientInterceptor(Supplier<Optional<FencingToken>> tokens) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
    }

    @Override
    public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
            throws IOException {
        tokens.get().ifPresent(token -> {
            request.getHeaders().set(FencingHeaders.TOKEN, Long.toString(token.token()));
            request.getHeaders().set(FencingHeaders.RESOURCE, token.resource());
        });
        return execution.execute(request, body);
    }
}
