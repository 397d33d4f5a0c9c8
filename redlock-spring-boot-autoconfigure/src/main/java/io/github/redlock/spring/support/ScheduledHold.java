package io.github.redlock.spring.support;

import java.lang.reflect.Method;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TimeZone;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.PropertyResolver;
import org.springframework.format.annotation.DurationFormat;
import org.springframework.format.datetime.standard.DurationFormatterUtils;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.annotation.Schedules;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.scheduling.support.CronExpression;

/**
 * The schedules of a {@code @Scheduled} (or {@code @Schedules}) method, and the minimum hold they
 * imply for its lock: half the time from a tick to the next one, so that instances whose clocks or
 * schedulers are up to that much apart find the tick taken, while the next tick is never blocked.
 * With several schedules the shortest hold applies; {@code fixedDelay} counts as a period of that
 * delay.
 */
final class ScheduledHold {

    /** The time from {@code now} to the next fire time of one schedule. */
    private interface Schedule {
        Duration untilNext(Instant now);
    }

    private final List<Schedule> schedules;
    private final String scheduler;

    private ScheduledHold(List<Schedule> schedules, String scheduler) {
        this.schedules = List.copyOf(schedules);
        this.scheduler = scheduler;
    }

    /**
     * The schedules declared on {@code method}, or null when it is not {@code @Scheduled}.
     *
     * @param invalid makes the exception for a schedule that cannot be read
     */
    static @Nullable ScheduledHold of(Method method, PropertyResolver placeholders,
            Function<String, IllegalStateException> invalid) {
        Set<Scheduled> annotations = AnnotatedElementUtils.getMergedRepeatableAnnotations(method, Scheduled.class,
                Schedules.class);
        if (annotations.isEmpty()) {
            return null;
        }
        List<Schedule> schedules = new ArrayList<>();
        String scheduler = "";
        for (Scheduled scheduled : annotations) {
            try {
                read(scheduled, placeholders, schedules);
            } catch (RuntimeException e) {
                throw invalid.apply("its " + scheduled + " cannot be read (" + e.getMessage() + ") to derive the lock's"
                        + " minimum hold. Set minHoldTime explicitly (0 to release the lock as soon as the method returns).");
            }
            if (!scheduled.scheduler().isEmpty()) {
                scheduler = placeholders.resolvePlaceholders(scheduled.scheduler());
            }
        }
        return new ScheduledHold(schedules, scheduler);
    }

    private static void read(Scheduled scheduled, PropertyResolver placeholders, List<Schedule> schedules) {
        String cron = placeholders.resolveRequiredPlaceholders(scheduled.cron()).trim();
        if (!cron.isEmpty() && !ScheduledTaskRegistrar.CRON_DISABLED.equals(cron)) {
            CronExpression expression = CronExpression.parse(cron);
            String zone = placeholders.resolveRequiredPlaceholders(scheduled.zone());
            ZoneId zoneId = zone.isEmpty() ? TimeZone.getDefault().toZoneId() : ZoneId.of(zone);
            schedules.add(now -> {
                ZonedDateTime next = expression.next(now.atZone(zoneId));
                return next == null ? Duration.ZERO : Duration.between(now, next.toInstant());
            });
        }
        Duration rate = period(scheduled.fixedRate(), scheduled.fixedRateString(), scheduled.timeUnit(), placeholders);
        Duration delay = period(scheduled.fixedDelay(), scheduled.fixedDelayString(), scheduled.timeUnit(), placeholders);
        for (Duration period : new Duration[] {rate, delay}) {
            if (period != null && !period.isZero() && !period.isNegative()) {
                schedules.add(now -> period);
            }
        }
    }

    private static @Nullable Duration period(long value, String text, TimeUnit unit, PropertyResolver placeholders) {
        if (value >= 0) {
            return Duration.of(value, unit.toChronoUnit());
        }
        String resolved = placeholders.resolveRequiredPlaceholders(text).trim();
        if (resolved.isEmpty()) {
            return null;
        }
        return DurationFormatterUtils.detectAndParse(resolved, DurationFormat.Unit.fromChronoUnit(unit.toChronoUnit()));
    }

    /** The name of the {@code TaskScheduler} bean the schedules name, or empty for the default one. */
    String scheduler() {
        return scheduler;
    }

    /**
     * Half the time from {@code now} to the next fire time, the shortest over the schedules; zero
     * for a method without a periodic schedule (only an initial delay).
     */
    Duration holdAt(Instant now) {
        Duration shortest = null;
        for (Schedule schedule : schedules) {
            Duration untilNext = schedule.untilNext(now);
            if (shortest == null || untilNext.compareTo(shortest) < 0) {
                shortest = untilNext;
            }
        }
        return shortest == null ? Duration.ZERO : shortest.dividedBy(2);
    }
}
