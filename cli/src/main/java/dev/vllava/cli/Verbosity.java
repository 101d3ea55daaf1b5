package dev.vllava.cli;

/**
 * Whether {@code -v} was given. slf4j-simple reads its level once, so it is set here before the
 * first logger exists; logs always go to stderr.
 */
final class Verbosity {
    private static volatile boolean verbose;

    private Verbosity() {}

    static void set(boolean on) {
        verbose = on;
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", on ? "debug" : "warn");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    }

    static boolean isVerbose() {
        return verbose;
    }
}
