package io.github.redlock.safety;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Captures every java.util.logging record, at every level, while open. The engine logs through
 * {@link System.Logger}, which goes to java.util.logging by default; Lettuce and Netty log through
 * Netty's logger factory, which falls back to java.util.logging when no SLF4J provider is present
 * (as in this module's tests). Records are kept formatted, with their stack traces.
 */
final class LogCapture implements AutoCloseable {

    private static final String[] LOGGERS = {"", "io.github.redlock", "io.lettuce", "io.netty", "reactor"};

    /** One formatted record and its level. */
    record Captured(Level level, String text) {
    }

    private final ConcurrentLinkedQueue<Captured> records = new ConcurrentLinkedQueue<>();
    private final List<Logger> loggers = new ArrayList<>();
    private final List<Level> previousLevels = new ArrayList<>();
    private final Handler handler;

    LogCapture() {
        SimpleFormatter formatter = new SimpleFormatter();
        handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(new Captured(record.getLevel(),
                        record.getLevel() + " " + record.getLoggerName() + ": " + formatter.format(record)));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        handler.setLevel(Level.ALL);
        for (String name : LOGGERS) {
            Logger logger = Logger.getLogger(name);
            loggers.add(logger);
            previousLevels.add(logger.getLevel());
            logger.setLevel(Level.ALL);
        }
        Logger.getLogger("").addHandler(handler);
    }

    List<Captured> records() {
        return List.copyOf(records);
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(handler);
        for (int i = 0; i < loggers.size(); i++) {
            loggers.get(i).setLevel(previousLevels.get(i));
        }
    }
}
