package io.github.redlock.spring.support;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.annotation.ScheduledAnnotationBeanPostProcessor;

/**
 * The clocks of the schedulers that run {@code @Scheduled} methods, found as Spring's scheduling
 * finds the scheduler: the bean a schedule names, else the one {@link TaskScheduler} bean, else the
 * one named {@code taskScheduler}; the system clock when there is none (Spring then uses a local
 * scheduler on that clock). Looked up once per scheduler name, on first use.
 */
final class SchedulerClocks {

    private static final Log LOG = LogFactory.getLog(SchedulerClocks.class);

    private final @Nullable BeanFactory beanFactory;
    private final Map<String, Clock> clocks = new ConcurrentHashMap<>();

    SchedulerClocks(@Nullable BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    /** The clock of the scheduler named {@code scheduler}, or of the default one for an empty name. */
    Clock clock(String scheduler) {
        return clocks.computeIfAbsent(scheduler, this::find);
    }

    private Clock find(String scheduler) {
        if (beanFactory == null) {
            return Clock.systemDefaultZone();
        }
        try {
            TaskScheduler found = scheduler.isEmpty() ? defaultScheduler(beanFactory) : named(beanFactory, scheduler);
            return found != null ? found.getClock() : Clock.systemDefaultZone();
        } catch (BeansException e) {
            LOG.warn("Could not find the TaskScheduler " + (scheduler.isEmpty() ? "" : "'" + scheduler + "' ")
                    + "of @Scheduled @DistributedLock methods; their minimum hold is timed by the system clock", e);
            return Clock.systemDefaultZone();
        }
    }

    private static @Nullable TaskScheduler defaultScheduler(BeanFactory beanFactory) {
        TaskScheduler unique = beanFactory.getBeanProvider(TaskScheduler.class).getIfUnique();
        return unique != null ? unique : named(beanFactory, ScheduledAnnotationBeanPostProcessor.DEFAULT_TASK_SCHEDULER_BEAN_NAME);
    }

    private static @Nullable TaskScheduler named(BeanFactory beanFactory, String name) {
        return beanFactory.containsBean(name) && beanFactory.getBean(name) instanceof TaskScheduler scheduler ? scheduler : null;
    }
}
