package dev.vllava.cli;

import java.util.List;

/**
 * Whether {@code -v} was given. slf4j-simple reads its level once, when the first logger is created,
 * so {@link Main} calls {@link #configure} on the raw arguments before picocli (or anything that might
 * log) runs; no class of the CLI holds a static logger for that reason. Logs always go to stderr.
 */
final class Verbosity {
    private static volatile boolean verbose;

    private Verbosity() {}

    /** Looks for {@code -v} / {@code --verbose} before any {@code --} and sets the log level accordingly. */
    static void configure(List<String> args) {
        boolean on = false;
        for (String arg : args) {
            if (arg.equals("--")) {
                break;
            }
            on |= arg.equals("-v") || arg.equals("--verbose");
        }
        set(on);
    }

    static void set(boolean on) {
        verbose = on;
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", on ? "debug" : "warn");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
        System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
    }

    static boolean isVerbose() {
        return verbose;
    }
}
