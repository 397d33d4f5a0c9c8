package io.github.redlock;

/** Switches for tests in other packages (the safety suite); not part of the API. */
public final class TestSwitches {

    private TestSwitches() {
    }

    /** An engine that does not fill in nodes after a grant, to show what fill-in prevents. */
    public static Redlock.Builder withoutFillIn(Redlock.Builder builder) {
        return builder.withoutFillIn();
    }
}
