package io.github.redlock.safety;

/**
 * Grants and writes as tab-separated lines, so that another process can report its history:
 * {@code GRANT resource client acquired validUntil releaseInvoked} and
 * {@code WORK resource client at [anything]}, times in {@link System#nanoTime()} nanoseconds.
 * Resource and client names must not contain tabs or line breaks.
 */
final class HistoryLines {

    private HistoryLines() {
    }

    static String grant(Grant grant) {
        return String.join("\t", "GRANT", grant.resource(), grant.client(), Long.toString(grant.acquiredNanos()),
                Long.toString(grant.validUntilNanos()), Long.toString(grant.releaseInvokedNanos()));
    }

    static String work(Work work) {
        return String.join("\t", "WORK", work.resource(), work.client(), Long.toString(work.atNanos()));
    }

    /** Records a GRANT or WORK line into the checker; returns false for any other line. */
    static boolean parseInto(String line, MutualExclusionChecker checker) {
        String[] fields = line.split("\t");
        if (fields[0].equals("GRANT") && fields.length == 6) {
            checker.record(new Grant(fields[1], fields[2], Long.parseLong(fields[3]), Long.parseLong(fields[4]),
                    Long.parseLong(fields[5])));
            return true;
        }
        if (fields[0].equals("WORK") && fields.length >= 4) {
            checker.recordWork(new Work(fields[1], fields[2], Long.parseLong(fields[3])));
            return true;
        }
        return false;
    }
}
