package io.github.redlock.fencing;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/**
 * Gives Spring MVC handler methods a {@link FencingToken} parameter: the token
 * {@link FencingHandlerInterceptor} accepted for the request. A handler that declares the
 * parameter on a request the interceptor did not check fails with {@link IllegalStateException}.
 */
public final class FencingTokenArgumentResolver implements HandlerMethodArgumentResolver {

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == FencingToken.class;
    }

    @Override
    public Object resolveArgument(MethodParameter parameter, @Nullable ModelAndViewContainer mavContainer,
            NativeWebRequest webRequest, @Nullable WebDataBinderFactory binderFactory) {
        Object token = webRequest.getAttribute(FencingToken.ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
        if (token == null) {
            HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
            throw new IllegalStateException("No fencing token was checked for "
                    + (request == null ? "this request" : request.getMethod() + " " + request.getRequestURI())
                    + ": register FencingHandlerInterceptor for its path");
        }
        return token;
    }
}
