package dev.vllava;

/** What went wrong, as the CLI reports it: each kind has its own stable exit code (see README). */
public enum Failure {
    INTERNAL(1),
    USAGE(2),
    MEDIA(3),
    CHECKPOINT(4),
    BACKEND_UNAVAILABLE(5),
    CONTEXT_OVERFLOW(6),
    /** stdout cannot be written (a full disk, an I/O error): the result would be lost. */
    OUTPUT(7),
    /** The reader of stdout went away (EPIPE): the command stops at once and quietly, as SIGPIPE stops Unix tools. */
    BROKEN_PIPE(141);

    private final int exitCode;

    Failure(int exitCode) {
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
