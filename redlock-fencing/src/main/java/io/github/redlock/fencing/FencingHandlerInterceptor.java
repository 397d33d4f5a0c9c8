package io.github.redlock.fencing;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * The Spring MVC server-side check of the {@link FencingHeaders} convention: for each request with
 * an unsafe method it registers the token with the {@link HighWaterMarks} before the handler runs
 * (claim-first), and answers 428, 400 or 409 itself when the headers are missing, malformed or
 * stale. Requests with GET, HEAD, OPTIONS or TRACE pass unchecked. Register it for the paths that
 * take fenced writes:
 *
 * <pre>{@code
 * registry.addInterceptor(new FencingHandlerInterceptor(marks)).addPathPatterns("/orders/**");
 * }</pre>
 *
 * <p>This check alone is not a fence: a request that passed it can still be overtaken by a newer
 * one before its handler writes. The handler writes through a guard with the accepted token (a
 * {@link FencingToken} parameter, with {@link FencingTokenArgumentResolver}), in the write's own
 * transaction or script: rule 1 of docs/fencing-guards.md.
 */
public final class FencingHandlerInterceptor implements HandlerInterceptor {

    private final FencingRequestCheck check;

    /** A check consulting {@code marks}; a store that blocks (Redis) runs on the request thread. */
    public FencingHandlerInterceptor(HighWaterMarks marks) {
        this.check = new FencingRequestCheck(marks);
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws IOException {
        if (!FencingRequestCheck.applies(request.getMethod())) {
            return true;
        }
        FencingRequestCheck.Outcome outcome =
                check.check(request.getHeader(FencingHeaders.RESOURCE), request.getHeader(FencingHeaders.TOKEN));
        FencingToken accepted = outcome.accepted();
        if (accepted != null) {
            request.setAttribute(FencingToken.ATTRIBUTE, accepted);
            return true;
        }
        response.setStatus(outcome.status());
        response.setContentType(FencingRequestCheck.PROBLEM_JSON);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write(outcome.problem());
        return false;
    }
}
