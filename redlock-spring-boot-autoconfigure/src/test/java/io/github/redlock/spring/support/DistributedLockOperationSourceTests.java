package io.github.redlock.spring.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.github.redlock.spring.DistributedLock;
import io.github.redlock.spring.LockFailurePolicy;
import java.lang.reflect.Method;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.util.ReflectionUtils;

class DistributedLockOperationSourceTests {

    private final MockEnvironment environment = new MockEnvironment().withProperty("app.name", "billing");
    private final DistributedLockOperationSource source = new DistributedLockOperationSource(environment);

    record Invoice(long id) {
    }

    static class Jobs {

        @DistributedLock(resource = "nightly-report", ttl = 10)
        public void literal() {
        }

        @DistributedLock(resource = "${app.name}:report")
        public void placeholder() {
        }

        @DistributedLock(resource = "invoice:#{#invoice.id}", ttl = 500, timeUnit = TimeUnit.MILLISECONDS,
                waitTime = 200, minHoldTime = 100, onFailure = LockFailurePolicy.THROW, autoExtend = true)
        public String template(Invoice invoice) {
            return "done";
        }

        @DistributedLock(resource = "${app.name}:#{#p0}")
        public Optional<String> placeholderAndTemplate(String id) {
            return Optional.of(id);
        }

        @DistributedLock(resource = "primitive", onFailure = LockFailurePolicy.THROW)
        public int primitiveUnderThrow() {
            return 1;
        }

        @DistributedLock(resource = "boxed")
        public Integer boxedUnderSkip() {
            return 1;
        }

        @DistributedLock(resource = "#{#root.methodName}-#{#root.targetClass.simpleName}")
        public void rootObject() {
        }

        @DistributedLock(resource = "#{#id}")
        public void onlyExpression(String id) {
        }

        public void notAnnotated() {
        }
    }

    interface Reports {
        @DistributedLock(resource = "reports:#{#name}")
        void report(String name);
    }

    static class ReportsImpl implements Reports {
        @Override
        public void report(String name) {
        }
    }

    @Test
    void literalResourceWithTtlInSeconds() {
        LockOperation operation = operation(Jobs.class, "literal");
        assertThat(operation.resource()).isEqualTo("nightly-report");
        assertThat(operation.isTemplate()).isFalse();
        assertThat(operation.resolveKey(new Object[0], new Jobs(), null)).isEqualTo("nightly-report");
        assertThat(operation.ttl()).isEqualTo(Duration.ofSeconds(10));
        assertThat(operation.waitTime()).isZero();
        assertThat(operation.minHoldTime()).as("the default").isNull();
        assertThat(operation.isScheduled()).isFalse();
        assertThat(operation.policy()).isEqualTo(LockFailurePolicy.SKIP);
        assertThat(operation.autoExtend()).isFalse();
        assertThat(operation.skipValue()).isNull();
    }

    @Test
    void ttlZeroMeansTheDefault() {
        assertThat(operation(Jobs.class, "placeholder").ttl()).isNull();
    }

    @Test
    void placeholdersAreResolvedFromTheEnvironment() {
        LockOperation operation = operation(Jobs.class, "placeholder");
        assertThat(operation.resource()).isEqualTo("${app.name}:report");
        assertThat(operation.resolveKey(new Object[0], new Jobs(), null)).isEqualTo("billing:report");
    }

    @Test
    void templateEvaluatesTheArguments() {
        LockOperation operation = operation(Jobs.class, "template", Invoice.class);
        assertThat(operation.isTemplate()).isTrue();
        assertThat(operation.resource()).isEqualTo("invoice:#{#invoice.id}");
        assertThat(operation.resolveKey(new Object[] {new Invoice(42)}, new Jobs(), null)).isEqualTo("invoice:42");
        assertThat(operation.resolveKey(new Object[] {new Invoice(7)}, new Jobs(), null)).isEqualTo("invoice:7");
        assertThat(operation.ttl()).isEqualTo(Duration.ofMillis(500));
        assertThat(operation.waitTime()).isEqualTo(Duration.ofMillis(200));
        assertThat(operation.minHoldTime()).isEqualTo(Duration.ofMillis(100));
        assertThat(operation.policy()).isEqualTo(LockFailurePolicy.THROW);
        assertThat(operation.autoExtend()).isTrue();
    }

    @Test
    void placeholdersAndTemplatesCombine() {
        LockOperation operation = operation(Jobs.class, "placeholderAndTemplate", String.class);
        assertThat(operation.resolveKey(new Object[] {"a1"}, new Jobs(), null)).isEqualTo("billing:a1");
        assertThat(operation.skipValue()).isEqualTo(Optional.empty());
    }

    @Test
    void rootObjectOffersMethodAndTarget() {
        assertThat(operation(Jobs.class, "rootObject").resolveKey(new Object[0], new Jobs(), null))
                .isEqualTo("rootObject-Jobs");
    }

    @Test
    void expressionIsParsedOncePerMethod() {
        Method method = method(Jobs.class, "template", Invoice.class);
        assertThat(source.operation(method, Jobs.class)).isSameAs(source.operation(method, Jobs.class));
    }

    @Test
    void blankEvaluatedKeyIsRejectedPerCall() {
        LockOperation operation = operation(Jobs.class, "onlyExpression", String.class);
        assertThatIllegalArgumentException().isThrownBy(() -> operation.resolveKey(new Object[] {" "}, new Jobs(), null))
                .withMessageContaining("onlyExpression").withMessageContaining("blank");
        assertThatIllegalArgumentException().isThrownBy(() -> operation.resolveKey(new Object[] {null}, new Jobs(), null))
                .withMessageContaining("evaluated to null");
    }

    @Test
    void evaluationErrorIsReportedWithTheMethod() {
        LockOperation operation = operation(Jobs.class, "template", Invoice.class);
        assertThatIllegalArgumentException().isThrownBy(() -> operation.resolveKey(new Object[] {null}, new Jobs(), null))
                .withMessageContaining("Jobs.template(Invoice)").withMessageContaining("could not be evaluated");
    }

    @Test
    void primitiveReturnIsAllowedUnderThrowAndWrappersUnderSkip() {
        assertThat(operation(Jobs.class, "primitiveUnderThrow").policy()).isEqualTo(LockFailurePolicy.THROW);
        assertThat(operation(Jobs.class, "boxedUnderSkip").skipValue()).isNull();
    }

    @Test
    void notAnnotatedMethodHasNoOperation() {
        assertThat(source.operation(method(Jobs.class, "notAnnotated"), Jobs.class)).isNull();
        assertThat(source.hasLockedMethods(Jobs.class)).isTrue();
        assertThat(source.hasLockedMethods(String.class)).isFalse();
    }

    @Test
    void annotationOnInterfaceMethodIsFound() {
        LockOperation operation = source.operation(method(Reports.class, "report", String.class), ReportsImpl.class);
        assertThat(operation).isNotNull();
        assertThat(operation.resolveKey(new Object[] {"daily"}, new ReportsImpl(), null)).isEqualTo("reports:daily");
        assertThat(source.hasLockedMethods(ReportsImpl.class)).isTrue();
    }

    static class ScheduledJobs {

        @Scheduled(cron = "${app.cron:*/2 * * * * *}")
        @DistributedLock(resource = "tick", ttl = 10)
        public void cron() {
        }

        @Scheduled(fixedRate = 4, timeUnit = TimeUnit.SECONDS)
        @DistributedLock(resource = "rate", ttl = 10, minHoldTime = 0)
        public void releasedAtOnce() {
        }

        @Scheduled(fixedDelayString = "PT6S")
        @Scheduled(fixedRate = 8000)
        @DistributedLock(resource = "both", ttl = 10)
        public void twoSchedules() {
        }
    }

    @Test
    void scheduledMethodsAreTicksWithTheDefaultHoldUnlessOneIsWritten() {
        LockOperation cron = operation(ScheduledJobs.class, "cron");
        assertThat(cron.isScheduled()).isTrue();
        assertThat(cron.minHoldTime()).isNull();
        assertThat(cron.schedule()).isNotNull();
        assertThat(cron.schedule().holdAt(Instant.parse("2026-12-01T10:00:00.010Z"))).isEqualTo(Duration.ofMillis(995));

        LockOperation explicit = operation(ScheduledJobs.class, "releasedAtOnce");
        assertThat(explicit.isScheduled()).isTrue();
        assertThat(explicit.minHoldTime()).isZero();

        LockOperation both = operation(ScheduledJobs.class, "twoSchedules");
        assertThat(both.schedule().holdAt(Instant.EPOCH)).as("the shorter schedule's").isEqualTo(Duration.ofSeconds(3));
    }

    static class UnreadableCron {
        @Scheduled(cron = "#{@cronHolder.expression}")
        @DistributedLock(resource = "x")
        public void job() {
        }
    }

    static class NegativeHold {
        @DistributedLock(resource = "x", minHoldTime = -2)
        public void job() {
        }
    }

    @Test
    void aScheduleThatCannotBeReadIsRejectedWithTheFix() {
        assertRejected(UnreadableCron.class, "cannot be read");
        assertRejected(UnreadableCron.class, "Set minHoldTime explicitly");
    }

    @Test
    void aNegativeMinHoldTimeOtherThanTheDefaultIsRejected() {
        assertRejected(NegativeHold.class, "minHoldTime must not be negative, got -2");
    }

    static class BlankResource {
        @DistributedLock(resource = " ")
        public void job() {
        }
    }

    static class BadSpel {
        @DistributedLock(resource = "invoice:#{#invoice.}")
        public void job(Object invoice) {
        }
    }

    static class MissingPlaceholder {
        @DistributedLock(resource = "${no.such.property}")
        public void job() {
        }
    }

    static class NegativeTtl {
        @DistributedLock(resource = "x", ttl = -1)
        public void job() {
        }
    }

    static class TinyTtl {
        @DistributedLock(resource = "x", ttl = 2, timeUnit = TimeUnit.MILLISECONDS)
        public void job() {
        }
    }

    static class NegativeWait {
        @DistributedLock(resource = "x", waitTime = -5)
        public void job() {
        }
    }

    static class HoldLongerThanTtl {
        @DistributedLock(resource = "x", ttl = 5, minHoldTime = 6)
        public void job() {
        }
    }

    static class PrimitiveUnderSkip {
        @DistributedLock(resource = "x")
        public boolean job() {
            return true;
        }
    }

    static class FinalMethod {
        @DistributedLock(resource = "x")
        public final void job() {
        }
    }

    static class PrivateMethod {
        @DistributedLock(resource = "x")
        private void job() {
        }

        void use() {
            job();
        }
    }

    static class StaticMethod {
        @DistributedLock(resource = "x")
        static void job() {
        }
    }

    static class PlainFuture {
        @DistributedLock(resource = "x")
        public java.util.concurrent.Future<String> job() {
            return java.util.concurrent.CompletableFuture.completedFuture("done");
        }
    }

    static class FutureTaskResult {
        @DistributedLock(resource = "x")
        public java.util.concurrent.FutureTask<String> job() {
            return new java.util.concurrent.FutureTask<>(() -> "done");
        }
    }

    static class OwnStage {
        @DistributedLock(resource = "x")
        public OwnStageType job() {
            return new OwnStageType();
        }
    }

    static class OwnStageType extends java.util.concurrent.CompletableFuture<String> {
    }

    static class UnadaptedPublisher {
        @DistributedLock(resource = "x")
        public OwnPublisher job() {
            return subscriber -> { };
        }
    }

    interface OwnPublisher extends java.util.concurrent.Flow.Publisher<String> {
    }

    static class AsyncResults {
        @DistributedLock(resource = "x")
        public java.util.concurrent.CompletableFuture<String> future() {
            return java.util.concurrent.CompletableFuture.completedFuture("done");
        }

        @DistributedLock(resource = "x")
        public java.util.concurrent.CompletionStage<String> stage() {
            return java.util.concurrent.CompletableFuture.completedFuture("done");
        }

        @DistributedLock(resource = "x")
        public reactor.core.publisher.Mono<String> mono() {
            return reactor.core.publisher.Mono.just("done");
        }

        @DistributedLock(resource = "x")
        public reactor.core.publisher.Flux<String> flux() {
            return reactor.core.publisher.Flux.just("done");
        }
    }

    @Test
    void futuresThatCannotReportCompletionAreRejected() {
        assertRejected(PlainFuture.class, "java.util.concurrent.Future, which cannot report its completion");
        assertRejected(PlainFuture.class, "Return CompletableFuture or CompletionStage instead");
        assertRejected(FutureTaskResult.class, "java.util.concurrent.FutureTask");
        assertRejected(OwnStage.class, "Declare CompletableFuture or CompletionStage");
    }

    @Test
    void publishersWithoutAReactiveAdapterAreRejected() {
        assertRejected(UnadaptedPublisher.class, "a reactive type without an adapter");
    }

    @Test
    void stagesAndReactiveTypesAreFollowedAndSkipWithTheirEmptyValue() {
        assertThat(operation(AsyncResults.class, "future").resultType().kind()).isEqualTo(ResultType.Kind.STAGE);
        assertThat(operation(AsyncResults.class, "stage").resultType().kind()).isEqualTo(ResultType.Kind.STAGE);
        assertThat(operation(AsyncResults.class, "future").skipValue())
                .isInstanceOfSatisfying(java.util.concurrent.CompletableFuture.class,
                        future -> assertThat(future.join()).isNull());
        assertThat(operation(AsyncResults.class, "mono").resultType().kind()).isEqualTo(ResultType.Kind.REACTIVE);
        assertThat(operation(AsyncResults.class, "mono").skipValue()).isInstanceOf(reactor.core.publisher.Mono.class);
        assertThat(operation(AsyncResults.class, "flux").skipValue()).isInstanceOf(reactor.core.publisher.Flux.class);
    }

    @Test
    void blankResourceIsRejected() {
        assertRejected(BlankResource.class, "resource is blank");
    }

    @Test
    void spelThatDoesNotParseIsRejected() {
        assertRejected(BadSpel.class, "not a valid SpEL template");
    }

    @Test
    void unresolvablePlaceholderIsRejected() {
        assertRejected(MissingPlaceholder.class, "no.such.property");
    }

    @Test
    void negativeTtlIsRejected() {
        assertRejected(NegativeTtl.class, "ttl must not be negative");
    }

    @Test
    void ttlBelowOneMillisecondIsRejected() {
        assertRejected(TinyTtl.class, "ttl must be at least 3 ms");
    }

    @Test
    void negativeWaitTimeIsRejected() {
        assertRejected(NegativeWait.class, "waitTime must not be negative");
    }

    @Test
    void minHoldTimeAboveTtlIsRejected() {
        assertRejected(HoldLongerThanTtl.class, "minHoldTime (PT6S) exceeds ttl (PT5S)");
    }

    @Test
    void primitiveReturnUnderSkipIsRejected() {
        assertRejected(PrimitiveUnderSkip.class, "primitive type boolean");
    }

    @Test
    void finalPrivateAndStaticMethodsAreRejected() {
        assertRejected(FinalMethod.class, "final");
        assertRejected(PrivateMethod.class, "private");
        assertRejected(StaticMethod.class, "static");
    }

    static class EndlessWait {
        @DistributedLock(resource = "x", waitTime = Long.MAX_VALUE, timeUnit = TimeUnit.DAYS)
        public void job() {
        }
    }

    @Test
    void anEndlessWaitFailsAtStartupNotOnEveryCall() {
        assertRejected(EndlessWait.class, "waitTime " + Long.MAX_VALUE + " DAYS is too large");
    }

    static class MisnamedParameter {
        @DistributedLock(resource = "order:#{#orderId}")
        public void job(long id) {
        }
    }

    static class UnknownVariable {
        @DistributedLock(resource = "report:#{#region}:#{#day}")
        public void job(String region, String date) {
        }
    }

    static class PositionalAndRootReferences {
        @DistributedLock(resource = "#{#p0}:#{#a1}:#{#root.methodName}:#{#this.methodName}:#{methodName}")
        public void job(String first, String second) {
        }
    }

    @Test
    void aTemplateNamingNoParameterFailsAtStartupWithAHint() {
        assertRejected(MisnamedParameter.class, "#orderId");
        assertThatIllegalStateException().isThrownBy(() -> source.hasLockedMethods(MisnamedParameter.class))
                .withMessageContaining("Did you mean #id?");
        assertRejected(UnknownVariable.class, "#day");
        assertThatIllegalStateException().isThrownBy(() -> source.hasLockedMethods(UnknownVariable.class))
                .withMessageContaining("Did you mean #date?");
    }

    @Test
    void positionalAliasesAndRootReferencesNeedNoParameterOfThatName() {
        assertThat(source.hasLockedMethods(PositionalAndRootReferences.class)).isTrue();
    }

    private void assertRejected(Class<?> type, String problem) {
        assertThatIllegalStateException().isThrownBy(() -> source.hasLockedMethods(type))
                .withMessageStartingWith("Invalid @DistributedLock on " + type.getName() + ".job(")
                .withMessageContaining(problem);
    }

    private LockOperation operation(Class<?> type, String name, Class<?>... parameterTypes) {
        LockOperation operation = source.operation(method(type, name, parameterTypes), type);
        assertThat(operation).isNotNull();
        return operation;
    }

    private static Method method(Class<?> type, String name, Class<?>... parameterTypes) {
        Method method = ReflectionUtils.findMethod(type, name, parameterTypes);
        assertThat(method).isNotNull();
        return method;
    }
}
