package io.github.redlock.fencing;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.jspecify.annotations.Nullable;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Answers a {@link StaleFencingTokenException} thrown by a Spring MVC handler with the convention's
 * {@code 409 Conflict} and {@code application/problem+json} body, the same answer
 * {@link FencingHandlerInterceptor} gives a stale token before the handler: the handler's guard
 * refused because a newer token overtook the request after the interceptor's check. Other
 * exceptions are left to the next resolver. Register it first:
 *
 * <pre>{@code
 * public void extendHandlerExceptionResolvers(List<HandlerExceptionResolver> resolvers) {
 *     resolvers.add(0, new StaleFencingTokenResolver());
 * }
 * }</pre>
 */
public final class StaleFencingTokenResolver implements HandlerExceptionResolver {

    @Override
    public @Nullable ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response,
            @Nullable Object handler, Exception ex) {
        if (!(ex instanceof StaleFencingTokenException stale) || response.isCommitted()) {
            return null;
        }
        try {
            FencingHandlerInterceptor.write(response,
                    FencingRequestCheck.stale(stale.resource(), stale.presentedToken(), stale.highestToken()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ModelAndView();
    }
}
