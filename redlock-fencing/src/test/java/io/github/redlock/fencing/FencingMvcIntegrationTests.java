package io.github.redlock.fencing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The HTTP convention end to end on a real embedded Tomcat with Spring MVC: RestClient with
 * {@link FencingClientInterceptor}, the server with {@link FencingHandlerInterceptor} and a handler
 * that writes through {@link InMemoryHighWaterMarks#runFenced}.
 */
class FencingMvcIntegrationTests {

    static final InMemoryHighWaterMarks MARKS = new InMemoryHighWaterMarks();
    static final Map<String, String> ORDERS = new ConcurrentHashMap<>();
    static final CountDownLatch GATED_ENTERED = new CountDownLatch(1);
    static final CountDownLatch GATE = new CountDownLatch(1);

    private static Tomcat tomcat;
    private static Path baseDir;
    private static String baseUrl;

    private final AtomicReference<FencingToken> current = new AtomicReference<>();
    private RestClient fenced;
    private RestClient plain;

    @BeforeAll
    static void startTomcat() throws Exception {
        baseDir = Files.createTempDirectory("redlock-fencing-tomcat");
        tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        tomcat.setHostname("127.0.0.1");
        tomcat.setPort(0);
        Context context = tomcat.addContext("", baseDir.toString());
        AnnotationConfigWebApplicationContext application = new AnnotationConfigWebApplicationContext();
        application.register(WebConfig.class);
        Tomcat.addServlet(context, "dispatcher", new DispatcherServlet(application)).setLoadOnStartup(1);
        context.addServletMappingDecoded("/", "dispatcher");
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        tomcat.start();
        baseUrl = "http://127.0.0.1:" + tomcat.getConnector().getLocalPort();
    }

    @AfterAll
    static void stopTomcat() throws Exception {
        tomcat.stop();
        tomcat.destroy();
        try (var paths = Files.walk(baseDir)) {
            paths.sorted(Collections.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @BeforeEach
    void clients() {
        fenced = RestClient.builder().baseUrl(baseUrl)
                .requestInterceptor(new FencingClientInterceptor(() -> Optional.ofNullable(current.get())))
                .build();
        plain = RestClient.builder().baseUrl(baseUrl).build();
    }

    @Test
    void acceptsANewerTokenAndRejectsAStaleOneWith409AndTheMark() {
        current.set(new FencingToken("order-1", 5));
        ResponseEntity<String> accepted = put(fenced, "/orders/1", "paid");
        current.set(new FencingToken("order-1", 4));
        ResponseEntity<String> stale = put(fenced, "/orders/1", "cancelled");

        assertThat(accepted.getStatusCode().value()).isEqualTo(200);
        assertThat(accepted.getBody()).isEqualTo("written with order-1/5");
        assertThat(stale.getStatusCode().value()).isEqualTo(409);
        assertThat(stale.getHeaders().getContentType()).hasToString("application/problem+json;charset=UTF-8");
        assertThat(stale.getBody()).contains("\"status\":409", "\"resource\":\"order-1\"", "\"token\":4",
                "\"highestToken\":5");
        assertThat(ORDERS.get("1")).isEqualTo("paid");
    }

    @Test
    void aMissingTokenIs428AMalformedOne400AndASafeMethodPassesUnchecked() {
        ORDERS.put("2", "new");
        ResponseEntity<String> missing = put(plain, "/orders/2", "paid");
        ResponseEntity<String> onlyToken = plain.put().uri("/orders/2").header(FencingHeaders.TOKEN, "7")
                .body("paid").retrieve().onStatus(status -> true, (request, response) -> { })
                .toEntity(String.class);
        ResponseEntity<String> malformed = plain.put().uri("/orders/2").header(FencingHeaders.TOKEN, "-7")
                .header(FencingHeaders.RESOURCE, "order-2").body("paid").retrieve()
                .onStatus(status -> true, (request, response) -> { }).toEntity(String.class);
        ResponseEntity<String> tooBig = plain.put().uri("/orders/2").header(FencingHeaders.TOKEN, "9007199254740992")
                .header(FencingHeaders.RESOURCE, "order-2").body("paid").retrieve()
                .onStatus(status -> true, (request, response) -> { }).toEntity(String.class);
        String read = plain.get().uri("/orders/2").retrieve().body(String.class);

        assertThat(missing.getStatusCode().value()).isEqualTo(428);
        assertThat(onlyToken.getStatusCode().value()).isEqualTo(428);
        assertThat(malformed.getStatusCode().value()).isEqualTo(400);
        assertThat(tooBig.getStatusCode().value()).isEqualTo(400);
        assertThat(read).isEqualTo("new");
        assertThat(MARKS.highestToken("order-2")).isEmpty();
    }

    /**
     * A request passes the check, then a newer token is accepted before its handler writes: the
     * handler's guard refuses, and the client gets the convention's 409, not a 500.
     */
    @Test
    void aRequestOvertakenBetweenTheCheckAndTheWriteGets409FromTheHandlersGuard() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<ResponseEntity<String>> overtaken = pool.submit(() -> put(RestClient.builder().baseUrl(baseUrl)
                    .requestInterceptor(new FencingClientInterceptor(
                            () -> Optional.of(new FencingToken("order-4", 10))))
                    .build(), "/gated/4", "old"));
            assertThat(GATED_ENTERED.await(30, TimeUnit.SECONDS)).as("the old request reached its handler").isTrue();
            current.set(new FencingToken("order-4", 11));
            ResponseEntity<String> newer = put(fenced, "/orders/4", "new");
            GATE.countDown();
            ResponseEntity<String> old = overtaken.get(30, TimeUnit.SECONDS);

            assertThat(newer.getStatusCode().value()).isEqualTo(200);
            assertThat(old.getStatusCode().value()).isEqualTo(409);
            assertThat(old.getBody()).contains("\"token\":10", "\"highestToken\":11");
            assertThat(ORDERS.get("4")).isEqualTo("new");
        } finally {
            pool.shutdownNow();
        }
    }

    /** Four clients send the tokens 1..100 in a shuffled order: the order ends with the highest. */
    @Test
    void concurrentClientsWithInterleavedTokensLeaveTheNewestWrite() throws Exception {
        int total = 100;
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger conflicts = new AtomicInteger();
        AtomicInteger other = new AtomicInteger();
        ShuffledWriters.run(4, total, () -> {
            ThreadLocal<FencingToken> mine = new ThreadLocal<>();
            RestClient client = RestClient.builder().baseUrl(baseUrl)
                    .requestInterceptor(new FencingClientInterceptor(() -> Optional.ofNullable(mine.get())))
                    .build();
            return token -> {
                mine.set(new FencingToken("order-3", token));
                int status = put(client, "/orders/3", Long.toString(token)).getStatusCode().value();
                (status == 200 ? accepted : status == 409 ? conflicts : other).incrementAndGet();
            };
        });

        assertThat(other.get()).as("answers other than 200 and 409").isZero();
        assertThat(accepted.get() + conflicts.get()).isEqualTo(total);
        assertThat(conflicts.get()).as("409").isPositive();
        assertThat(ORDERS.get("3")).isEqualTo(Integer.toString(total));
        assertThat(MARKS.highestToken("order-3")).hasValue(total);
    }

    private static ResponseEntity<String> put(RestClient client, String path, String body) {
        return client.put().uri(path).body(body).retrieve()
                .onStatus(status -> true, (request, response) -> { })
                .toEntity(String.class);
    }

    @Configuration
    @EnableWebMvc
    static class WebConfig implements WebMvcConfigurer {

        @Override
        public void addInterceptors(InterceptorRegistry registry) {
            registry.addInterceptor(new FencingHandlerInterceptor(MARKS)).addPathPatterns("/orders/**", "/gated/**");
        }

        @Override
        public void extendHandlerExceptionResolvers(List<HandlerExceptionResolver> resolvers) {
            resolvers.add(0, new StaleFencingTokenResolver());
        }

        @Override
        public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
            resolvers.add(new FencingTokenArgumentResolver());
        }

        @Bean
        OrdersController ordersController() {
            return new OrdersController();
        }
    }

    @RestController
    static class OrdersController {

        @PutMapping("/orders/{id}")
        String put(@PathVariable("id") String id, @RequestBody String body, FencingToken token) {
            MARKS.runFenced(token.resource(), token.token(), () -> ORDERS.put(id, body)).requireAccepted();
            return "written with " + token.resource() + "/" + token.token();
        }

        @PutMapping("/gated/{id}")
        String gated(@PathVariable("id") String id, @RequestBody String body, FencingToken token)
                throws InterruptedException {
            GATED_ENTERED.countDown();
            if (!GATE.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never opened the gate");
            }
            return put(id, body, token);
        }

        @GetMapping("/orders/{id}")
        String get(@PathVariable("id") String id) {
            return ORDERS.getOrDefault(id, "");
        }
    }
}
