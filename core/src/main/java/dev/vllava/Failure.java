package dev.vllava;

/** What went wrong, as the CLI reports it: each kind has its own stable exit code (see README). */
public enum Failure {
    INTERNAL(1),
    USAGE(2),
    MEDIA(3),
    CHECKPOINT(4),
    BACKEND_UNAVAILABLE(5),
    CONTEXT_OVERFLOW(6);

    private final int exitCode;

    Failure(int exitCode) {
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
